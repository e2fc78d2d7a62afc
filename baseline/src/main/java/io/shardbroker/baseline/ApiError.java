package io.shardbroker.baseline;

/**
 * A request the central-db broker refuses: the HTTP status, the {@code error} code of the JSON
 * body (the same codes as the sharded broker's), and a message that is safe to show the client.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;

  private ApiError(int status, String code, String message) {
    super(message, null, false, false);  // refusals are routine: no stack trace to fill
    this.status = status;
    this.code = code;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message);
  }

  static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message);
  }

  static ApiError notEntitled(String pool) {
    return new ApiError(403, "not_entitled", "you may not use a pool named '" + pool + "'");
  }

  static ApiError poolExhausted(String pool) {
    return new ApiError(503, "pool_exhausted",
        "no desktop is free in pool '" + pool + "' right now; try again shortly");
  }

  /** Trying again later may succeed: the answer carries {@code Retry-After}. */
  boolean retryable() {
    return status == 503;
  }
}
