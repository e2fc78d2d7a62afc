package io.shardbroker.store;

/**
 * Why the store refused or failed. The message is for people and safe to show to a client; it
 * never carries SQL. {@code field} names the offending input field for {@link Kind#INVALID}.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    /** Bad input; {@code field} says which. */
    INVALID,
    /** The named thing does not exist. */
    NOT_FOUND,
    /** It exists already, or the change would break a rule (for example a member of a deleted group). */
    CONFLICT,
    /** The database cannot be reached or failed; trying again later may work. */
    UNAVAILABLE,
    /** The sign-in directory (LDAP) cannot be reached or failed; trying again later may work. */
    DIRECTORY_UNAVAILABLE,
    /** The schema could not be brought up to date; the database was left as it was. */
    MIGRATION_FAILED
  }

  private final Kind kind;
  private final String field;

  public StoreException(Kind kind, String field, String message) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.field = null;
  }

  public Kind kind() {
    return kind;
  }

  /** The input field at fault, or null. */
  public String field() {
    return field;
  }
}
