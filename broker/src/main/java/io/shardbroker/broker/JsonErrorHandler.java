package io.shardbroker.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.shardbroker.broker.HttpErrors.ErrorBody;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Requests Jetty refuses before they reach a route (a path with an encoded NUL, headers past the
 * size limit) answered in the one JSON error shape ({@link HttpErrors}) instead of Jetty's HTML
 * page or a stack trace. (Jetty 12.1 sends those through {@link #generateResponse}.)
 */
public final class JsonErrorHandler extends ErrorHandler {

  /** The broker's security headers, or null for none (a server that serves no pages). */
  private final SecurityHeaders securityHeaders;

  public JsonErrorHandler() {
    this(null);
  }

  JsonErrorHandler(SecurityHeaders securityHeaders) {
    this.securityHeaders = securityHeaders;
  }

  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    if (securityHeaders != null) {
      securityHeaders.addTo(response.getHeaders());
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body(code, message)), callback);
  }

  private static byte[] body(int status, String message) {
    String why = message == null || message.isBlank() ? HttpStatus.getMessage(status) : message;
    try {
      return Json.MAPPER.writeValueAsBytes(ErrorBody.of(HttpErrors.ofStatus(status),
          "the server cannot read this request: " + why));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an error body", e);
    }
  }
}
