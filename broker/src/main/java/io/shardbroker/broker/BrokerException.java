package io.shardbroker.broker;

import java.time.Duration;

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
    /** The admin API, for someone not in the admins group. */
    FORBIDDEN(403, "forbidden", false),
    /** An enrollment token that is unknown, used, expired or for another VM (not told apart). */
    ENROLLMENT_REFUSED(403, "enrollment_refused", false),
    /** Too many failed sign-ins of this user name or from this address; wait as Retry-After says. */
    TOO_MANY_ATTEMPTS(429, "too_many_attempts", false),
    /** The user may not use the pool, or it does not exist or is disabled (not told apart, so as not to reveal pools). */
    NOT_ENTITLED(403, "not_entitled", false),
    NOT_FOUND(404, "not_found", false),
    /** Another request of the same user for the same pool holds the lock past this one's deadline. */
    REQUEST_IN_PROGRESS(409, "request_in_progress", true),
    SESSION_NOT_FOUND(404, "session_not_found", false),
    POOL_EXHAUSTED(503, "pool_exhausted", true),
    /**
     * A dedicated user's own VM is in maintenance or not reachable, or the user may have a session
     * on a VM whose agent cannot be reached.
     */
    DESKTOP_UNAVAILABLE(503, "desktop_unavailable", true),
    /** No set answered, or none answered in full (concentrators down or restarting). */
    NO_SET_REACHABLE(503, "no_set_reachable", true),
    /**
     * A start whose answer was lost (its concentrator died mid-call) and that no other set could
     * confirm; the next request finds the session if the agent had accepted it.
     */
    START_UNCERTAIN(503, "start_uncertain", true),
    END_FAILED(503, "end_failed", true),
    /** More session requests than the broker works on and lets wait at once (see {@link Admission}). */
    OVERLOADED(503, "overloaded", true);

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
  private final String field;
  private final Duration retryAfter;

  public BrokerException(Kind kind, String message) {
    this(kind, null, message);
  }

  /** @param field the request field at fault, for {@link Kind#BAD_REQUEST} */
  public BrokerException(Kind kind, String field, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = field;
    this.retryAfter = null;
  }

  /** An answer that says when to try again: {@link Kind#TOO_MANY_ATTEMPTS}. */
  public BrokerException(Kind kind, String message, Duration retryAfter) {
    super(message, null, false, false);
    this.kind = kind;
    this.field = null;
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait, when this refusal says; else null. */
  public Duration retryAfter() {
    return retryAfter;
  }

  public Kind kind() {
    return kind;
  }

  /** The request field at fault, or null. */
  public String field() {
    return field;
  }
}
