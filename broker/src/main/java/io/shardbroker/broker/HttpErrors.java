package io.shardbroker.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.shardbroker.protocol.Reason;
import java.time.Duration;

/**
 * The HTTP face of {@link Reason}: the one place that says which status each reason answers
 * with, and the one JSON error shape, {@code {"error": code, "message": text}} plus
 * {@code "field"} when an input field is at fault. The broker's API answers through it, and so
 * does the central-db comparison system of the tools, so that one load generator reads both
 * (docs/design.md, "Every request ends").
 */
public final class HttpErrors {

  /** Every error: a stable machine code, a sentence for people, and the input field at fault if any. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ErrorBody(String error, String message, String field) {
    public static ErrorBody of(Reason reason, String message) {
      return new ErrorBody(reason.code(), message, null);
    }
  }

  private HttpErrors() {}

  /** The HTTP status a reason answers with. */
  public static int status(Reason reason) {
    return switch (reason) {
      case BAD_REQUEST -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN, ENROLLMENT_REFUSED, NOT_ENTITLED -> 403;
      case NOT_FOUND, SESSION_NOT_FOUND -> 404;
      case METHOD_NOT_ALLOWED -> 405;
      case CONFLICT, REQUEST_IN_PROGRESS -> 409;
      case PAYLOAD_TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case TOO_MANY_ATTEMPTS, TOO_MANY_DISPLAYS -> 429;
      case INTERNAL -> 500;
      case POOL_EXHAUSTED, DESKTOP_UNAVAILABLE, NO_SET_REACHABLE, START_UNCERTAIN, END_FAILED, OVERLOADED,
          NOT_READY, STORE_UNAVAILABLE, DIRECTORY_UNAVAILABLE, MIGRATION_FAILED -> 503;
    };
  }

  /** The reason of a status that the HTTP server itself refused a request with, before any route. */
  public static Reason ofStatus(int status) {
    return switch (status) {
      case 400, 431 -> Reason.BAD_REQUEST;
      case 404 -> Reason.NOT_FOUND;
      case 405 -> Reason.METHOD_NOT_ALLOWED;
      case 413 -> Reason.PAYLOAD_TOO_LARGE;
      case 415 -> Reason.UNSUPPORTED_MEDIA_TYPE;
      default -> status >= 500 ? Reason.INTERNAL : Reason.BAD_REQUEST;
    };
  }

  /**
   * Answers {@code reason} with its status and the error body. A retryable answer says when to try
   * again: after {@code retryAfter}, rounded to whole seconds, at least one.
   *
   * @param field the input field at fault, or null
   * @param retryAfter for a retryable reason, how long to wait; ignored otherwise
   */
  public static void send(Context ctx, Reason reason, String message, String field, Duration retryAfter) {
    if (reason.retryable() && retryAfter != null) {
      ctx.header("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    }
    sendJson(ctx, status(reason), new ErrorBody(reason.code(), message, field));
  }

  /** Writes {@code body} as the JSON answer with {@code status}, and marks the request answered. */
  static void sendJson(Context ctx, int status, Object body) {
    ctx.attribute(Json.ANSWERED, Boolean.TRUE);
    try {
      ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName(), e);
    }
  }

  /** Whether an answer was already written for this request (a route's own 404, say). */
  public static boolean answered(Context ctx) {
    return ctx.attribute(Json.ANSWERED) != null;
  }
}
