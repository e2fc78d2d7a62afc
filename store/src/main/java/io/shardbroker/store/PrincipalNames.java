package io.shardbroker.store;

import java.lang.Character.UnicodeScript;
import java.text.Normalizer;

/**
 * The one alphabet for user and group names, checked by every path that writes a user or a group
 * (admin API, seed, directory sign-in, CLI): letters of one script, ASCII digits and {@code . _ -},
 * 1 to {@link #MAX} of them, starting with a letter or a digit, no {@code ..}, in the plain form
 * Unicode gives it (NFKC).
 *
 * <p>Why: a name is shown to admins and written to logs, audit rows and file paths. Letters of one
 * script keep {@code аlice} (a Cyrillic а) from passing for {@code alice}; NFKC keeps fullwidth
 * {@code ａｌｉｃｅ} out; no control, format or bidi characters (U+202E and friends) means a name
 * cannot reorder or hide the text around it; no {@code / \ ..} means a name cannot climb out of a
 * path. Names stored before this rule stay readable; only writes are checked.
 */
final class PrincipalNames {

  /** Code points; short enough for a log line, a file name and a certificate's subject. */
  static final int MAX = 64;

  private PrincipalNames() {}

  /** What is wrong with {@code value} as a user or group name, in words, or null when it is fine. */
  static String problem(String value) {
    if (value == null || value.isEmpty()) {
      return "a name is required";
    }
    int length = value.codePointCount(0, value.length());
    if (length > MAX) {
      return "a name is at most " + MAX + " characters, got " + length;
    }
    UnicodeScript script = null;
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      if (Character.isLetter(cp)) {
        UnicodeScript own = UnicodeScript.of(cp);
        if (script != null && own != script) {
          return "a name uses letters of one script, got " + script + " and " + own + " letters";
        }
        script = own;
      } else if (!(cp >= '0' && cp <= '9') && cp != '.' && cp != '_' && cp != '-') {
        return String.format("a name is letters, digits and . _ - only, got U+%04X at %d", cp, i);
      }
      i += Character.charCount(cp);
    }
    if (!Character.isLetterOrDigit(value.codePointAt(0))) {
      return "a name starts with a letter or a digit";
    }
    if (value.contains("..")) {
      return "a name cannot contain '..'";
    }
    if (!Normalizer.isNormalized(value, Normalizer.Form.NFKC)) {
      return "a name is written in its plain Unicode form (NFKC), e.g. no fullwidth letters";
    }
    return null;
  }
}
