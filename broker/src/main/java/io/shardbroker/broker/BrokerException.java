package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import java.time.Duration;

/**
 * A request that cannot be served, with the {@link Reason} that tells the client what to do
 * ({@link HttpErrors} turns it into a status). The message is for people and safe to show to the
 * client.
 */
public final class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Reason kind;
  private final String field;
  private final Duration retryAfter;

  public BrokerException(Reason kind, String message) {
    this(kind, null, message);
  }

  /** @param field the request field at fault, for {@link Reason#BAD_REQUEST} */
  public BrokerException(Reason kind, String field, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = field;
    this.retryAfter = null;
  }

  /** An answer that says when to try again: {@link Reason#TOO_MANY_ATTEMPTS}. */
  public BrokerException(Reason kind, String message, Duration retryAfter) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = null;
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait, when this refusal says; else null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public Reason kind() {
    return kind;
  }

  /** The request field at fault, or null. */
  public String field() {
    return field;
  }
}
