package io.shardbroker.protocol;

import java.util.Locale;

/**
 * Why a request was not served: the one vocabulary of refusals and failures, whatever the
 * transport (as grpc-java's {@code Status} codes are). Exceptions inside carry one, with a message
 * for people; the HTTP API maps each to its status in one place ({@code HttpErrors} of the
 * broker), and answers {@code {"error": code, "message": ...}}.
 *
 * <p>A retryable reason may pass by itself: the answer says when to try again ({@code Retry-After}).
 */
public enum Reason {
  /** The request is malformed; the answer names the field at fault where there is one. */
  BAD_REQUEST(false),
  /** No valid sign-in. */
  UNAUTHORIZED(false),
  /**
   * Not allowed: the admin API for someone not in the admins group, or a change asked for by a page
   * of another site.
   */
  FORBIDDEN(false),
  /** An enrollment token that is unknown, used, expired or for another VM (not told apart). */
  ENROLLMENT_REFUSED(false),
  /** Too many failed sign-ins of this name or from this address: wait as the answer says. */
  TOO_MANY_ATTEMPTS(true),
  /** The user, or the broker as a whole, has as many desktop displays open as it may: close one, or wait. */
  TOO_MANY_DISPLAYS(true),
  /** The user may not use the pool, or it does not exist or is disabled (not told apart, so as not to reveal pools). */
  NOT_ENTITLED(false),
  /** The thing named does not exist. */
  NOT_FOUND(false),
  /** The user has no session with that id. */
  SESSION_NOT_FOUND(false),
  /** The path exists, not with this method. */
  METHOD_NOT_ALLOWED(false),
  /** The request's body is larger than the API takes. */
  PAYLOAD_TOO_LARGE(false),
  /** The request's body is not JSON ({@code Content-Type: application/json}), the only kind the API takes. */
  UNSUPPORTED_MEDIA_TYPE(false),
  /** It exists already, or the change would break a rule (the last enabled admin, a group still in use). */
  CONFLICT(false),
  /** Another request of the same user for the same pool is being decided. */
  REQUEST_IN_PROGRESS(true),
  /** No desktop of the pool is free now. */
  POOL_EXHAUSTED(true),
  /** The user's own desktop is in maintenance or unreachable, or may run a session no concentrator can reach. */
  DESKTOP_UNAVAILABLE(true),
  /** No concentrator set answered, or none could answer in full (members down or warming up). */
  NO_SET_REACHABLE(true),
  /** A start whose answer was lost on the way; the next request finds the session if it started. */
  START_UNCERTAIN(true),
  /** A session could not be ended now. */
  END_FAILED(true),
  /** More session requests than the broker works on and lets wait at once. */
  OVERLOADED(true),
  /** The broker reaches no concentrator yet. */
  NOT_READY(true),
  /** The database cannot be reached or failed. */
  STORE_UNAVAILABLE(true),
  /** The sign-in directory (LDAP) cannot be reached or failed. */
  DIRECTORY_UNAVAILABLE(true),
  /** The store's schema could not be brought up to date; the database was left as it was. */
  MIGRATION_FAILED(false),
  /** A failure of the server's own; its log says more under the request id. */
  INTERNAL(false);

  private final boolean retryable;

  Reason(boolean retryable) {
    this.retryable = retryable;
  }

  /** The machine-readable code: the name in lower case, e.g. {@code pool_exhausted}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Trying again later may succeed. */
  public boolean retryable() {
    return retryable;
  }
}
