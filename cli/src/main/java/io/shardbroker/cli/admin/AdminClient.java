package io.shardbroker.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One broker's admin API over HTTP: JSON in and out, HTTP Basic authentication. Every call either
 * returns the answer's JSON body (null for none, as on 204) or throws an {@link AdminFailure} that
 * says what went wrong in one line: the broker's error code, message and request id; or which URL
 * could not be reached.
 *
 * <p>Not thread-safe; one command makes its calls one after another.
 */
final class AdminClient implements AutoCloseable {

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Long enough for a store that is slow to answer; a broker that answers not at all is reported. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final int BODY_EXCERPT_MAX_CHARS = 200;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String baseUrl;
  private final String authorization;

  /**
   * @param baseUrl the broker's URL without a trailing slash, e.g. {@code http://127.0.0.1:8080}
   */
  AdminClient(String baseUrl, String user, String password) {
    this.baseUrl = baseUrl;
    this.authorization = "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    // HTTP/1.1: no h2c upgrade dance with proxies; no redirects: credentials go to this URL only.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(CONNECT_TIMEOUT)
        .build();
  }

  JsonNode get(ApiPath path) {
    return send("GET", path, null);
  }

  JsonNode post(ApiPath path, JsonNode body) {
    return send("POST", path, body);
  }

  JsonNode patch(ApiPath path, JsonNode body) {
    return send("PATCH", path, body);
  }

  /** A PUT; {@code body} may be null for none. */
  JsonNode put(ApiPath path, JsonNode body) {
    return send("PUT", path, body);
  }

  JsonNode delete(ApiPath path) {
    return send("DELETE", path, null);
  }

  private JsonNode send(String method, ApiPath path, JsonNode body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Authorization", authorization)
        .header("Accept", "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(write(body), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw unreachable("no connection within " + CONNECT_TIMEOUT.toSeconds() + "s");
    } catch (HttpTimeoutException e) {
      throw new AdminFailure(AdminFailure.Kind.UNREACHABLE, "the broker at " + baseUrl
          + " did not answer " + method + " " + path + " within " + REQUEST_TIMEOUT.toSeconds() + "s");
    } catch (IOException e) {
      throw unreachable(describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable("interrupted");
    }
    return answer(method, path, response);
  }

  private JsonNode answer(String method, ApiPath path, HttpResponse<String> response) {
    int status = response.statusCode();
    String text = response.body() == null ? "" : response.body();
    if (status >= 200 && status < 300) {
      if (status == 204 || text.isBlank()) {
        return null;
      }
      try {
        return JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw new AdminFailure(AdminFailure.Kind.API, method + " " + baseUrl + path + " answered "
            + status + " with something other than JSON: " + excerpt(text) + requestId(response, List.of()));
      }
    }
    JsonNode error = tryParse(text);
    List<String> notes = new ArrayList<>();
    if (error != null && error.path("error").isTextual()) {
      String message = error.path("message").asText("");
      if (error.path("field").isTextual()) {
        notes.add("field " + error.path("field").asText());
      }
      response.headers().firstValue("Retry-After").ifPresent(s -> notes.add("retry after " + s + "s"));
      throw new AdminFailure(AdminFailure.Kind.API, error.path("error").asText()
          + (message.isEmpty() ? "" : ": " + message) + requestId(response, notes));
    }
    // Not the broker's error shape: a proxy in between, or not a broker at all.
    throw new AdminFailure(AdminFailure.Kind.API, method + " " + baseUrl + path + " answered HTTP "
        + status + (text.isBlank() ? "" : ": " + excerpt(text)) + requestId(response, notes));
  }

  /** " (notes..., request id X)", or the notes alone, or nothing. */
  private static String requestId(HttpResponse<String> response, List<String> notes) {
    List<String> all = new ArrayList<>(notes);
    response.headers().firstValue("X-Request-Id").ifPresent(id -> all.add("request id " + id));
    return all.isEmpty() ? "" : " (" + String.join(", ", all) + ")";
  }

  private AdminFailure unreachable(String why) {
    return new AdminFailure(AdminFailure.Kind.UNREACHABLE,
        "cannot reach the broker at " + baseUrl + ": " + why);
  }

  /** The most telling words of a connection failure: the JDK often leaves the outer message null. */
  private static String describe(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnresolvedAddressException) {
        return "unknown host";
      }
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        return cause.getMessage();
      }
    }
    return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
  }

  private static JsonNode tryParse(String text) {
    try {
      return text.isBlank() ? null : JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  private static String excerpt(String text) {
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() <= BODY_EXCERPT_MAX_CHARS ? line : line.substring(0, BODY_EXCERPT_MAX_CHARS) + "...";
  }

  private static String write(JsonNode body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
