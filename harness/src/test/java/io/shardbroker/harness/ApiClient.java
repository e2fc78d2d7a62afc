package io.shardbroker.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** A small client of the broker's HTTP API for tests; every call has a timeout. */
public final class ApiClient {

  public static final ObjectMapper JSON = new ObjectMapper();

  /** A response: status and parsed JSON body (null for 204). */
  public record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final Duration timeout;

  public ApiClient(String base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
  }

  public CompletableFuture<Answer> openSession(String user, String password, String pool) {
    return send(request(user, password, "/api/v1/sessions")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pool\": \"" + pool + "\"}"))
        .build());
  }

  public CompletableFuture<Answer> endSession(String user, String password, String sessionId) {
    return send(request(user, password, "/api/v1/sessions/" + sessionId).DELETE().build());
  }

  public Answer get(String user, String password, String path) {
    return send(request(user, password, path).GET().build()).join();
  }

  /** Any call with an optional JSON body (null: none). */
  public Answer call(String method, String user, String password, String path, String json) {
    return send(request(user, password, path)
        .header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json))
        .build()).join();
  }

  private HttpRequest.Builder request(String user, String password, String path) {
    String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Authorization", "Basic " + token);
  }

  private CompletableFuture<Answer> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      try {
        JsonNode body = r.body() == null || r.body().isEmpty() ? null : JSON.readTree(r.body());
        return new Answer(r.statusCode(), body, r);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + r.body(), e);
      }
    });
  }
}
