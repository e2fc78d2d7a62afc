package io.shardbroker.broker;

import io.javalin.http.Context;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * The headers that tell a browser how little the broker's answers may do, on every answer (pages,
 * API, errors, including those Jetty writes before any route):
 *
 * <ul>
 *   <li>{@code Content-Security-Policy}: scripts, styles and connections of the broker's own
 *       origin only. The pages have no inline script or style, and no {@code style} attribute:
 *       keep it so, or the browser refuses them. noVNC draws its cursor as a {@code data:} image,
 *       hence {@code img-src data:}; its WebSocket to the same host is {@code 'self'} (CSP 3).
 *       No page of any site may frame the broker's (clickjacking), no form post elsewhere.
 *   <li>{@code X-Content-Type-Options: nosniff}: an answer is only what its Content-Type says
 *       (no JSON error taken for a script).
 *   <li>{@code Referrer-Policy: no-referrer}: a link out of the portal tells nothing of it.
 *   <li>{@code Strict-Transport-Security} when the broker serves HTTPS: browsers that saw it once
 *       never speak plain HTTP to it again.
 * </ul>
 *
 * <p>Immutable.
 */
final class SecurityHeaders {

  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none';"
      + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  /** A year: browsers keep to HTTPS that long after the last answer that said so. */
  static final String STRICT_TRANSPORT_SECURITY = "max-age=31536000";

  private final Map<String, String> headers;

  /** @param https whether the broker serves HTTPS, so that HSTS applies */
  SecurityHeaders(boolean https) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    all.put("X-Content-Type-Options", "nosniff");
    all.put("Referrer-Policy", "no-referrer");
    if (https) {
      all.put("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
    }
    this.headers = Collections.unmodifiableMap(all);
  }

  /** A before-handler of every path. */
  void addTo(Context ctx) {
    headers.forEach(ctx::header);
  }

  /** For an answer Jetty writes itself ({@link JsonErrorHandler}). */
  void addTo(HttpFields.Mutable fields) {
    headers.forEach(fields::put);
  }
}
