package io.shardbroker.broker;

/**
 * A request that cannot be served, with the kind of failure that tells the client what to do.
 * The message is for people and safe to show to the client.
 */
public final class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Failure kinds, each with its HTTP status and the {@code error} code of the JSON body. */
  public enum Kind {
    BAD_REQUEST(400, "bad_request", false),
    UNAUTHORIZED(401, "unauthorized", false),
    UNKNOWN_POOL(404, "unknown_pool", false),
    SESSION_NOT_FOUND(404, "session_not_found", false),
    POOL_EXHAUSTED(503, "pool_exhausted", true),
    NO_SET_REACHABLE(503, "no_set_reachable", true),
    END_FAILED(503, "end_failed", true);

    public final int httpStatus;
    public final String code;
    /** Trying again later may succeed; the answer carries {@code Retry-After}. */
    public final boolean retryable;

    Kind(int httpStatus, String code, boolean retryable) {
      this.httpStatus = httpStatus;
      this.code = code;
      this.retryable = retryable;
    }
  }

  private final Kind kind;

  public BrokerException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
