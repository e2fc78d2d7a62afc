package io.shardbroker.protocol;

import java.util.regex.Pattern;

/**
 * The one rule for names: VM ids, pools, sets, concentrators, brokers, users and groups, and the
 * names a certificate carries. Letters, digits and {@code . _ : -}, 1 to 128 of them, starting
 * with a letter or a digit: safe in a URL path, a log line, a file name and a metric label.
 */
public final class Names {

  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  private Names() {}

  /** Whether {@code value} is a name. */
  public static boolean valid(String value) {
    return value != null && NAME.matcher(value).matches();
  }

  /**
   * What is wrong with {@code value} as {@code what} (e.g. "VM id"), in words for the person who
   * gave it, or null when it is a name.
   */
  public static String problem(String what, String value) {
    if (valid(value)) {
      return null;
    }
    return what + " must be 1-128 letters, digits or . _ : - (starting with a letter or digit), got "
        + (value == null ? "nothing" : "'" + value + "'");
  }

  /**
   * @throws IllegalArgumentException saying what is wrong, when {@code value} is not a name
   */
  public static String require(String what, String value) {
    String problem = problem(what, value);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return value;
  }
}
