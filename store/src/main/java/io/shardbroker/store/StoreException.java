package io.shardbroker.store;

import io.shardbroker.protocol.Reason;

/**
 * Why the store refused or failed, as a {@link Reason}: {@code BAD_REQUEST} (with the offending
 * input {@code field}), {@code NOT_FOUND}, {@code CONFLICT}, {@code STORE_UNAVAILABLE},
 * {@code DIRECTORY_UNAVAILABLE} or {@code MIGRATION_FAILED}. The message is for people and safe to
 * show to a client; it never carries SQL.
 */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Reason kind;
  private final String field;

  public StoreException(Reason kind, String field, String message) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  public StoreException(Reason kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.field = null;
  }

  public Reason kind() {
    return kind;
  }

  /** The input field at fault, or null. */
  public String field() {
    return field;
  }
}
