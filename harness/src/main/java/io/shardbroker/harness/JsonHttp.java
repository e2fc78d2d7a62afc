package io.shardbroker.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * A local run's own JSON calls (the sim's truth and faults, the brokers' VM listings), as
 * opposed to the storm's requests: each bounded by a timeout, any answer but 2xx an exception
 * that quotes it.
 */
public final class JsonHttp {

  public static final ObjectMapper JSON = new ObjectMapper();

  /** A call that got an answer other than 2xx. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    public Refused(String what, int status, String body) {
      super(what + " answered " + status + ": " + abbreviate(body));
    }
  }

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final Duration timeout;

  public JsonHttp(Duration timeout) {
    this.timeout = timeout;
  }

  public JsonNode get(URI uri, String user, String password) throws IOException, InterruptedException {
    return send(request(uri, user, password).GET().build());
  }

  public JsonNode post(URI uri) throws IOException, InterruptedException {
    return send(request(uri, null, null).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  private HttpRequest.Builder request(URI uri, String user, String password) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout);
    if (user != null) {
      builder.header("Authorization", basic(user, password));
    }
    return builder;
  }

  private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new Refused(request.method() + " " + request.uri(), response.statusCode(), response.body());
    }
    return JSON.readTree(response.body());
  }

  /**
   * Waits until a broker's {@code /readyz} says it reaches a concentrator, polling every 200 ms on
   * the wall clock (a started process signals nothing); fails after {@code timeout}.
   */
  public void awaitReady(URI broker, Duration timeout) throws InterruptedException {
    long giveUp = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        get(broker.resolve("/readyz"), null, null);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > giveUp) {
          throw new IllegalStateException("the broker at " + broker + " is not ready after "
              + timeout.toSeconds() + " s: " + e.getMessage());
        }
      }
      Thread.sleep(200);
    }
  }

  public static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public static String abbreviate(String text) {
    String t = text == null ? "" : text.strip();
    return t.length() <= 300 ? t : t.substring(0, 300) + "...";
  }
}
