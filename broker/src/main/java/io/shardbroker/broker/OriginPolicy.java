package io.shardbroker.broker;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which web pages may open a display or change anything through the API: those of the broker's
 * own origin (the scheme of the request and the host and port of its {@code Host} header) and
 * those of the origins an operator allows ({@link DisplaySettings#allowedOrigins}). A browser
 * sends the page's {@code Origin} with every WebSocket it opens and every POST, PUT, PATCH and
 * DELETE; without this check a page of another site could open a desktop with whatever
 * credentials it got hold of (cross-site WebSocket hijacking), or have the browser send the API
 * a change with the credentials it remembers ({@link CrossSiteRequests}). A request without an
 * {@code Origin} does not come from a page, and passes.
 *
 * <p>Origins compare as {@code scheme://host:port}, in lower case, with the scheme's default
 * port filled in. Immutable.
 */
final class OriginPolicy {

  private final Set<String> allowed;

  OriginPolicy(List<String> allowedOrigins) {
    this.allowed = allowedOrigins.stream().map(OriginPolicy::parse).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Whether a page of {@code origin} may send a request that came in by
   * {@code scheme} to {@code host} (its Host header, null when absent).
   */
  boolean allows(String origin, String scheme, String host) {
    String page;
    try {
      page = parse(origin);
    } catch (IllegalArgumentException e) {
      return false;  // "null" (a sandboxed frame, a file) or malformed: no page of anyone's
    }
    if (allowed.contains(page)) {
      return true;
    }
    if (host == null || host.isBlank()) {
      return false;
    }
    try {
      return page.equals(parse(scheme + "://" + host));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * {@code origin} as {@code scheme://host:port}.
   *
   * @throws IllegalArgumentException naming it when it is not an http or https origin
   */
  static String parse(String origin) {
    URI uri;
    try {
      uri = new URI(origin == null ? "" : origin.trim());
    } catch (URISyntaxException e) {
      throw notAnOrigin(origin);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    int port = switch (scheme) {
      case "http" -> uri.getPort() < 0 ? 80 : uri.getPort();
      case "https" -> uri.getPort() < 0 ? 443 : uri.getPort();
      default -> throw notAnOrigin(origin);
    };
    String path = uri.getRawPath();
    if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || path != null && !path.isEmpty() && !path.equals("/")) {
      throw notAnOrigin(origin);
    }
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }

  private static IllegalArgumentException notAnOrigin(String origin) {
    return new IllegalArgumentException("'" + origin + "' is not a web origin such as https://portal.example.com"
        + " or http://10.0.0.5:8080");
  }
}
