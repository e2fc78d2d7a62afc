package io.shardbroker.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A VNC viewer as a browser's noVNC is one, for tests: it opens a session's display WebSocket on
 * a broker with the sign-in token and the one-time ticket as subprotocols, then speaks RFB 3.8
 * with security None (the agent's relay did the display's own authentication).
 */
final class RfbOverWebSocket implements AutoCloseable {

  /** What the broker said when it closed the WebSocket. */
  record Closed(int code, String reason) {}

  record ServerInit(int width, int height, int bitsPerPixel, String name) {}

  private static final Duration WAIT = Duration.ofSeconds(20);
  private final WebSocket socket;
  private final Listener listener;

  private RfbOverWebSocket(WebSocket socket, Listener listener) {
    this.socket = socket;
    this.listener = listener;
  }

  /** Opens {@code sessionId}'s display on {@code broker}; fails when the broker refuses the upgrade. */
  static RfbOverWebSocket open(URI broker, String sessionId, String token, String ticket) throws Exception {
    Listener listener = new Listener();
    URI url = URI.create(broker.toString().replaceFirst("^http", "ws") + "/api/v1/sessions/" + sessionId + "/display");
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .connectTimeout(WAIT)
        .subprotocols("shardbroker.display.v1", "shardbroker.token." + token, "shardbroker.ticket." + ticket)
        .buildAsync(url, listener).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    return new RfbOverWebSocket(socket, listener);
  }

  /** The RFB handshake up to the desktop's ServerInit. */
  ServerInit handshake() throws Exception {
    String version = new String(read(12), StandardCharsets.US_ASCII);
    if (!version.startsWith("RFB 003.")) {
      throw new IOException("not RFB: " + version);
    }
    send("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    byte[] types = read(read(1)[0] & 0xFF);
    if (types.length != 1 || types[0] != 1) {
      throw new IOException("the relay should offer security None alone");
    }
    send(new byte[] {1});
    if (ByteBuffer.wrap(read(4)).getInt() != 0) {
      throw new IOException("security None refused");
    }
    send(new byte[] {1});  // ClientInit: shared
    ByteBuffer init = ByteBuffer.wrap(read(24));
    int width = init.getShort() & 0xFFFF;
    int height = init.getShort() & 0xFFFF;
    int bitsPerPixel = init.get() & 0xFF;
    String name = new String(read(init.getInt(20)), StandardCharsets.UTF_8);
    return new ServerInit(width, height, bitsPerPixel, name);
  }

  /**
   * Asks for the whole screen in raw encoding until it shows more than one colour (a desktop
   * drawn, not a blank framebuffer); returns how many distinct pixel values it saw.
   */
  int awaitDrawnScreen(ServerInit init) throws Exception {
    send(ByteBuffer.allocate(8).put((byte) 2).put((byte) 0).putShort((short) 1).putInt(0).array());  // raw only
    int bytesPerPixel = init.bitsPerPixel() / 8;
    long giveUp = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < giveUp) {
      send(ByteBuffer.allocate(10).put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0)
          .putShort((short) init.width()).putShort((short) init.height()).array());
      java.util.Set<Integer> colours = new java.util.HashSet<>();
      ByteBuffer header = ByteBuffer.wrap(read(4));
      if (header.get() != 0) {
        throw new IOException("expected a FramebufferUpdate");
      }
      int rectangles = header.getShort(2) & 0xFFFF;
      for (int r = 0; r < rectangles; r++) {
        ByteBuffer rect = ByteBuffer.wrap(read(12));
        int w = rect.getShort(4) & 0xFFFF;
        int h = rect.getShort(6) & 0xFFFF;
        if (rect.getInt(8) != 0) {
          throw new IOException("expected raw encoding, got " + rect.getInt(8));
        }
        ByteBuffer pixels = ByteBuffer.wrap(read(w * h * bytesPerPixel));
        for (int i = 0; i + bytesPerPixel <= pixels.capacity() && colours.size() < 16; i += bytesPerPixel * 7) {
          colours.add(bytesPerPixel == 4 ? pixels.getInt(i) : pixels.getShort(i));
        }
      }
      if (colours.size() > 1) {
        return colours.size();
      }
    }
    throw new IOException("the screen stayed blank for " + WAIT);
  }

  /** How the broker closed the WebSocket, waiting for it. */
  Closed awaitClose() throws Exception {
    return listener.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private void send(byte[] bytes) throws Exception {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private byte[] read(int n) throws Exception {
    return listener.take(n, System.nanoTime() + WAIT.toNanos());
  }

  @Override
  public void close() {
    socket.abort();
  }

  /** Gathers the binary messages into one stream of bytes. */
  private static final class Listener implements WebSocket.Listener {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private int taken;
    final CompletableFuture<Closed> closed = new CompletableFuture<>();

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      received.writeBytes(bytes);
      notifyAll();
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
      closed.complete(new Closed(code, reason));
      synchronized (this) {
        notifyAll();
      }
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
      synchronized (this) {
        notifyAll();
      }
    }

    synchronized byte[] take(int n, long giveUp) throws IOException, InterruptedException {
      while (received.size() - taken < n) {
        if (closed.isDone()) {
          throw new IOException("the WebSocket closed: " + closed.getNow(null));
        }
        long left = giveUp - System.nanoTime();
        if (left <= 0) {
          throw new IOException("no " + n + " bytes within the wait");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      byte[] all = received.toByteArray();
      byte[] out = java.util.Arrays.copyOfRange(all, taken, taken + n);
      taken += n;
      return out;
    }
  }
}
