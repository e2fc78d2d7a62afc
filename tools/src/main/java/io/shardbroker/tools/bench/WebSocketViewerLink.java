package io.shardbroker.tools.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A viewer on a session's display through the broker, as a browser's noVNC is one: the WebSocket
 * of {@code GET /api/v1/sessions/{id}/display} with the sign-in token and the one-time ticket as
 * subprotocols (the JDK's WebSocket client standing in for the browser's; it offers no
 * compression).
 *
 * <p>Messages are taken one at a time and without a copy: the listener hands each over with a
 * future that {@link #next} completes when the viewer is done with it, and only then asks the
 * WebSocket for the next one. So a viewer that reads slowly slows the broker down, as a browser's
 * would, and nothing queues in this JVM.
 */
final class WebSocketViewerLink implements ViewerLink, WebSocket.Listener {

  static final String DISPLAY_PROTOCOL = "shardbroker.display.v1";
  /** How long a read, a send or the opening waits at most. */
  static final Duration WAIT = Duration.ofSeconds(30);

  /** One message of the broker's, given back by completing {@code taken}. */
  private record Message(ByteBuffer data, CompletableFuture<Void> taken) {}

  private static final Message END = new Message(ByteBuffer.allocate(0), CompletableFuture.completedFuture(null));

  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private volatile WebSocket socket;
  private volatile String ended = "";
  /** The message the viewer reads now; its thread's only. */
  private Message current;

  private WebSocketViewerLink() {}

  /**
   * Opens {@code sessionId}'s display on {@code broker}.
   *
   * @throws IOException when the broker refuses the upgrade or does not answer within {@link #WAIT}
   */
  static WebSocketViewerLink open(HttpClient http, URI broker, String sessionId, String token, String ticket)
      throws IOException, InterruptedException {
    WebSocketViewerLink link = new WebSocketViewerLink();
    URI url = URI.create(broker.toString().replaceFirst("^http", "ws") + "/api/v1/sessions/" + sessionId + "/display");
    try {
      link.socket = http.newWebSocketBuilder()
          .connectTimeout(WAIT)
          .subprotocols(DISPLAY_PROTOCOL, "shardbroker.token." + token, "shardbroker.ticket." + ticket)
          .buildAsync(url, link)
          .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return link;
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("the display of session " + sessionId + " did not open: " + e.getMessage(), e);
    }
  }

  @Override
  public ByteBuffer next() throws IOException {
    if (current != null) {
      current.taken().complete(null);
      current = null;
      socket.request(1);
    }
    try {
      Message message = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (message == null) {
        throw new IOException("nothing came through the display's WebSocket for " + WAIT.toSeconds() + " s");
      }
      if (message == END) {
        messages.add(END);  // for any later call
        throw new IOException("the display's WebSocket ended: " + ended);
      }
      current = message;
      return message.data();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the display", e);
    }
  }

  @Override
  public void send(ByteBuffer bytes) throws IOException {
    try {
      socket.sendBinary(bytes, true).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot send through the display's WebSocket: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending to the display", e);
    }
  }

  @Override
  public String describe() {
    return "the broker's WebSocket";
  }

  /** Closes as a browser tab does (a close frame, then the connection), without waiting long. */
  @Override
  public void close() {
    WebSocket open = socket;
    if (open == null) {
      return;
    }
    try {
      open.sendClose(WebSocket.NORMAL_CLOSURE, "viewer closed").get(2, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // closing anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.abort();
    }
  }

  // ---- the JDK's listener, on its threads ----------------------------------------------------

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    Message message = new Message(data, new CompletableFuture<>());
    messages.add(message);
    return message.taken();
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    webSocket.request(1);  // the gateway sends none
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    ended = statusCode + " " + reason;
    messages.add(END);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    ended = String.valueOf(error);
    messages.add(END);
  }
}
