package io.shardbroker.cli.admin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A path of the admin API with its query, every segment and value percent-encoded as UTF-8, so
 * names may hold spaces, quotes, slashes or any other character. Immutable.
 */
final class ApiPath {

  static final String API_PREFIX = "/api/v1";
  static final String ADMIN_PREFIX = API_PREFIX + "/admin";

  private final String path;
  private final List<String> query;

  private ApiPath(String path, List<String> query) {
    this.path = path;
    this.query = query;
  }

  /** {@code /api/v1/admin/} followed by the segments, each encoded. */
  static ApiPath admin(String... segments) {
    return under(ADMIN_PREFIX, segments);
  }

  /** {@code /api/v1/} followed by the segments, each encoded: the API every signed-in user has. */
  static ApiPath api(String... segments) {
    return under(API_PREFIX, segments);
  }

  private static ApiPath under(String prefix, String... segments) {
    StringBuilder path = new StringBuilder(prefix);
    for (String segment : segments) {
      path.append('/').append(segment(segment));
    }
    return new ApiPath(path.toString(), List.of());
  }

  /** This path with {@code name=value} added to the query; a null value adds nothing. */
  ApiPath query(String name, Object value) {
    if (value == null) {
      return this;
    }
    List<String> more = new ArrayList<>(query);
    more.add(encode(name) + "=" + encode(value.toString()));
    return new ApiPath(path, List.copyOf(more));
  }

  /** The encoded path and query, to append to the broker's base URL. */
  @Override
  public String toString() {
    return query.isEmpty() ? path : path + "?" + String.join("&", query);
  }

  /** One path segment; "." and ".." are encoded too, so that no one takes them for a step up. */
  static String segment(String text) {
    if (text.equals(".") || text.equals("..")) {
      return text.replace(".", "%2E");
    }
    return encode(text);
  }

  private static String encode(String text) {
    // URLEncoder writes a form: a space is "+" there, but "%20" in a path and safe in a query.
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
