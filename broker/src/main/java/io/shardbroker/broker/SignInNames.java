package io.shardbroker.broker;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The spelling under which {@link SignInThrottle} counts a user name: every way of typing it that
 * the store or the directory may take for the same user counts as one.
 *
 * <p>The store compares names exactly. An LDAP directory compares a user's naming attribute
 * ({@code uid}, {@code cn}) with caseIgnoreMatch after RFC 4518's string preparation: compatibility
 * normalisation (NFKC), case folding, characters mapped to nothing (soft hyphen, zero-width and
 * other format characters, variation selectors) and insignificant spaces. So "Alice", "ALICE",
 * "ａｌｉｃｅ" (full width) and " alice " are one directory user; counted apart, they would give a
 * guesser ten tries each. The fold here is at least as coarse as either comparison: it may put
 * two store users in one count (a name differing only in case), never split one user's tries.
 *
 * <p>Folded names are cut to {@link #MAX_LENGTH} code points, the store's longest name, so that
 * a count's key has a bounded size whatever a client sends.
 */
final class SignInNames {

  /** The store's longest user name, in code points. */
  static final int MAX_LENGTH = 128;

  private SignInNames() {}

  /** {@code name} as counted: normalised, case-folded, without ignorable characters, cut. */
  static String fold(String name) {
    String compatible = Normalizer.normalize(name, Normalizer.Form.NFKC);
    // Java has no full case folding; upper then lower case maps what folding maps (ß, final σ, ...).
    String folded = Normalizer.normalize(
        compatible.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
    StringBuilder kept = new StringBuilder(Math.min(folded.length(), MAX_LENGTH * 2));
    int length = 0;
    boolean space = false;
    for (int i = 0; i < folded.length() && length < MAX_LENGTH; ) {
      int c = folded.codePointAt(i);
      i += Character.charCount(c);
      if (ignorable(c)) {
        continue;
      }
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        space = true;  // runs of spaces count as one, and none at the ends
        continue;
      }
      if (space && !kept.isEmpty()) {
        kept.append(' ');
        length++;
        if (length == MAX_LENGTH) {
          break;
        }
      }
      space = false;
      kept.appendCodePoint(c);
      length++;
    }
    return kept.toString();
  }

  /** What RFC 4518 maps to nothing: controls, format characters, variation selectors. */
  private static boolean ignorable(int c) {
    int type = Character.getType(c);
    return type == Character.FORMAT || type == Character.CONTROL && !Character.isWhitespace(c)
        || c == 0x034F || c >= 0x180B && c <= 0x180E || c >= 0xFE00 && c <= 0xFE0F || c == 0xFFFC
        || c >= 0xE0100 && c <= 0xE01EF;
  }
}
