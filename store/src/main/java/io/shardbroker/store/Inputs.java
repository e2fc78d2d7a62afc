package io.shardbroker.store;

import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.Reason;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The rules for what the store accepts; each failure is {@link Reason#BAD_REQUEST} and
 * names the field. Lengths count Unicode code points; the schema leaves room for twice as many
 * UTF-16 units, so whatever passes here fits on either database.
 */
final class Inputs {

  /** Agents name pools, so a pool name is an identifier. */
  private static final Pattern PROTOCOL = Pattern.compile("[a-z][a-z0-9+.-]{0,31}");

  static final int NAME_MAX = 128;
  static final int TEXT_MAX = 256;
  static final int PASSWORD_MIN = 8;
  static final int PASSWORD_MAX = 1024;

  private Inputs() {}

  static String poolName(String value, String field) {
    required(value, field);
    if (!Names.valid(value)) {
      throw invalid(field, "a pool name is 1.." + NAME_MAX
          + " letters, digits and . _ : - (starting with a letter or digit), got " + quote(value));
    }
    return value;
  }

  /** A VM id, a token id, a secret's name: 1..128 letters, digits and . _ : -. */
  static String id(String value, String field) {
    required(value, field);
    if (!Names.valid(value)) {
      throw invalid(field, field + " is 1.." + NAME_MAX
          + " letters, digits and . _ : - (starting with a letter or digit), got " + quote(value));
    }
    return value;
  }

  /** A user or group name being written: {@link PrincipalNames}' alphabet. */
  static String userName(String value, String field) {
    return principalName(value, field, "user");
  }

  static String groupName(String value, String field) {
    return principalName(value, field, "group");
  }

  /**
   * A user's name as a key for something other than the user (a brokering lock): any stored name,
   * including one from before {@link PrincipalNames}, so only what no stored name has is refused
   * (':' never was: HTTP Basic splits there).
   */
  static String storedUserName(String value, String field) {
    required(value, field);
    if (value.isEmpty() || value.indexOf(':') >= 0) {
      throw invalid(field, "no user is named " + quote(value));
    }
    return plainText(value, field, NAME_MAX);
  }

  private static String principalName(String value, String field, String what) {
    required(value, field);
    String problem = PrincipalNames.problem(value);
    if (problem != null) {
      throw invalid(field, "bad " + what + " name " + quote(value) + ": " + problem);
    }
    return value;
  }

  /** Display names, descriptions, reasons: up to {@link #TEXT_MAX} characters; null stays null. */
  static String text(String value, String field) {
    return value == null ? null : plainText(value, field, TEXT_MAX);
  }

  static String protocol(String value, String field) {
    required(value, field);
    if (!PROTOCOL.matcher(value).matches()) {
      throw invalid(field, "a protocol is a lowercase letter then up to 31 of a-z 0-9 + . -, got "
          + quote(value));
    }
    return value;
  }

  /** A logoff limit: null (never) or whole seconds from 1 s to {@link Pool.LogoffPolicy#MAX}. */
  static Duration logoffLimit(Duration value, String field) {
    if (value == null) {
      return null;
    }
    if (value.isNegative() || value.isZero() || value.getNano() != 0 || value.compareTo(Pool.LogoffPolicy.MAX) > 0) {
      throw invalid(field, field + " is whole seconds from 1 s to " + Pool.LogoffPolicy.MAX.toDays()
          + " days (or none: never), got " + value);
    }
    return value;
  }

  static String vmId(String value, String field) {
    required(value, field);
    if (value.isEmpty()) {
      throw invalid(field, "a VM id cannot be empty");
    }
    return plainText(value, field, NAME_MAX);
  }

  /** Never puts the password in a message. */
  static String password(String value, String field) {
    required(value, field);
    int length = value.codePointCount(0, value.length());
    if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
      throw invalid(field, "a password is " + PASSWORD_MIN + ".." + PASSWORD_MAX + " characters, got "
          + length);
    }
    if (!wellFormed(value)) {
      throw invalid(field, "the password is not valid Unicode");
    }
    return value;
  }

  static Actor actor(Actor by) {
    if (by == null || by.user() == null || by.user().isBlank()) {
      throw invalid("actor", "a change needs the name of who makes it");
    }
    return by;
  }

  static <T> T required(T value, String field) {
    if (value == null) {
      throw invalid(field, field + " is required");
    }
    return value;
  }

  static StoreException invalid(String field, String message) {
    return new StoreException(Reason.BAD_REQUEST, field, message);
  }

  private static String plainText(String value, String field, int max) {
    int length = value.codePointCount(0, value.length());
    if (length > max) {
      throw invalid(field, field + " is at most " + max + " characters, got " + length);
    }
    if (!wellFormed(value)) {
      throw invalid(field, field + " is not valid Unicode (a lone surrogate)");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw invalid(field, String.format("%s cannot contain control characters (U+%04X at %d)",
            field, (int) value.charAt(i), i));
      }
    }
    return value;
  }

  private static boolean wellFormed(String value) {
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (Character.isHighSurrogate(ch)) {
        if (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(ch)) {
        return false;
      }
    }
    return true;
  }

  /** A value for a message: quoted, shortened, control and format (bidi) characters shown as escapes. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder("'");
    int shown = Math.min(value.length(), 64);
    if (shown > 0 && Character.isHighSurrogate(value.charAt(shown - 1))) {
      shown--;
    }
    for (int i = 0; i < shown; i++) {
      char ch = value.charAt(i);
      boolean hidden = Character.isISOControl(ch) || Character.getType(ch) == Character.FORMAT;
      out.append(hidden ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
    }
    return out.append(value.length() > shown ? "...'" : "'").toString();
  }
}
