package io.shardbroker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Firefox driven over WebDriver BiDi, the W3C protocol Firefox speaks itself, so no
 * geckodriver is needed (Debian packages none; Selenium would fetch it from GitHub). Just what the
 * browser tests use: open a page, run a script in it, size the window, take a screenshot.
 *
 * <p>Not thread-safe; one test uses one instance. Every call waits at most {@code timeout}.
 */
final class FirefoxBiDi implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("WebDriver BiDi listening on (ws://\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process firefox;
  private final WebSocket socket;
  private final Duration timeout;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
  private final String context;

  /** Starts {@code binary} headless with a fresh profile in {@code home} and opens a BiDi session. */
  static FirefoxBiDi start(Path binary, Path home, Duration timeout) throws Exception {
    Path profile = Files.createDirectories(home.resolve("profile"));
    ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--headless", "--no-remote",
        "--profile", profile.toString(), "--remote-debugging-port=0", "--window-size=1280,900", "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("MOZ_CRASHREPORTER_DISABLE", "1");
    Process firefox = builder.start();
    try {
      String url = listeningUrl(firefox, timeout);
      return new FirefoxBiDi(firefox, url + "/session", timeout);
    } catch (Exception e) {
      firefox.destroyForcibly();
      throw e;
    }
  }

  /** Reads Firefox's stderr until it says where BiDi listens; the rest of stderr is drained and dropped. */
  private static String listeningUrl(Process firefox, Duration timeout) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(firefox.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
        url.completeExceptionally(new IOException("Firefox exited before it listened for WebDriver BiDi"));
      } catch (IOException e) {
        url.completeExceptionally(e);
      }
    }, "firefox-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private FirefoxBiDi(Process firefox, String url, Duration timeout) throws Exception {
    this.firefox = firefox;
    this.timeout = timeout;
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .connectTimeout(timeout)
        .buildAsync(URI.create(url), new Replies())
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    send("session.new", Map.of("capabilities", Map.of()));
    this.context = send("browsingContext.getTree", Map.of()).get("contexts").get(0).get("context").asText();
  }

  /** Opens {@code url} and waits until the page has loaded. */
  void open(String url) throws Exception {
    send("browsingContext.navigate", Map.of("context", context, "url", url, "wait", "complete"));
  }

  /**
   * The value of a JavaScript expression in the page (a promise is awaited), as BiDi serializes it:
   * strings, numbers and booleans as themselves, anything else as null.
   *
   * @throws IllegalStateException when the script throws
   */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode answer = send("script.evaluate", Map.of("expression", expression, "awaitPromise", true,
        "target", Map.of("context", context)));
    if ("exception".equals(answer.path("type").asText())) {
      throw new IllegalStateException("the page's script failed: "
          + answer.path("exceptionDetails").path("text").asText() + " in: " + expression);
    }
    return answer.path("result").path("value");
  }

  void resize(int width, int height) throws Exception {
    send("browsingContext.setViewport", Map.of("context", context,
        "viewport", Map.of("width", width, "height", height)));
  }

  void screenshot(Path file) throws Exception {
    String png = send("browsingContext.captureScreenshot", Map.of("context", context)).get("data").asText();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(png));
  }

  /** Sends one command and waits for its result; a BiDi error becomes an IllegalStateException. */
  private JsonNode send(String method, Map<String, Object> params) throws Exception {
    long id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    waiting.put(id, reply);
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(command), true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    JsonNode answer = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if ("error".equals(answer.path("type").asText())) {
      throw new IllegalStateException(method + " failed: " + answer.path("error").asText() + ": "
          + answer.path("message").asText());
    }
    return answer.get("result");
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Firefox is stopped below either way
    }
    firefox.destroy();
    try {
      if (!firefox.waitFor(5, TimeUnit.SECONDS)) {
        firefox.destroyForcibly();
      }
    } catch (InterruptedException e) {
      firefox.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Hands each reply to the command of its id; events (no id) are not used and dropped. */
  private final class Replies implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(partial.toString());
          CompletableFuture<JsonNode> reply = message.has("id") ? waiting.remove(message.get("id").asLong()) : null;
          if (reply != null) {
            reply.complete(message);
          }
        } catch (IOException e) {
          waiting.values().forEach(r -> r.completeExceptionally(e));
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      waiting.values().forEach(r -> r.completeExceptionally(error));
    }
  }
}
