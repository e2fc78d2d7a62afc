package io.shardbroker.tools.bench;

import io.shardbroker.agent.display.VncAuth;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * The display benchmark's RFB 3.8 client over a {@link ViewerLink}: the handshake (security None,
 * as the broker's path offers it, or VNC authentication, as a display asks for it), then
 * FramebufferUpdateRequests in raw encoding, one at a time, each sent once the last update has
 * come in full, as noVNC does. Pixels are counted and dropped, never looked at.
 *
 * <p>Not thread-safe: one thread drives a viewer.
 */
final class RfbViewer implements AutoCloseable {

  /** The screen the display announced. */
  record Screen(int width, int height, int bytesPerPixel, String name) {}

  /** What {@link #pull} moved: whole updates, their bytes (headers included), over its seconds. */
  record Pulled(long frames, long bytes, double seconds) {}

  /** The region a latency probe asks for: small, so the round trip is the path's and not the pixels'. */
  static final int PROBE_SIDE = 16;
  private static final int SECURITY_NONE = 1;
  private static final int VNC_AUTHENTICATION = 2;
  private static final int RAW = 0;

  private final ViewerLink link;
  private ByteBuffer chunk = ByteBuffer.allocate(0);
  private Screen screen;

  RfbViewer(ViewerLink link) {
    this.link = link;
  }

  /**
   * Logs in and asks for raw pixels; returns the screen.
   *
   * @param password the display's, for VNC authentication; null where the server offers None
   */
  Screen handshake(byte[] password) throws IOException {
    String version = new String(read(12).array(), StandardCharsets.US_ASCII);
    if (!version.startsWith("RFB 003.")) {
      throw new IOException("not an RFB server: " + version.strip());
    }
    send(ByteBuffer.wrap("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII)));
    byte[] types = read(read(1).get() & 0xFF).array();
    if (contains(types, SECURITY_NONE)) {
      send(ByteBuffer.wrap(new byte[] {SECURITY_NONE}));
    } else if (contains(types, VNC_AUTHENTICATION) && password != null) {
      send(ByteBuffer.wrap(new byte[] {VNC_AUTHENTICATION}));
      send(ByteBuffer.wrap(VncAuth.response(password, read(VncAuth.CHALLENGE_LENGTH).array())));
    } else {
      throw new IOException("the server offers no security type this viewer can use");
    }
    if (read(4).getInt() != 0) {
      throw new IOException("the server refused the login");
    }
    send(ByteBuffer.wrap(new byte[] {1}));  // ClientInit: shared
    ByteBuffer init = read(24);
    int width = init.getShort(0) & 0xFFFF;
    int height = init.getShort(2) & 0xFFFF;
    int bitsPerPixel = init.get(4) & 0xFF;
    String name = new String(read(init.getInt(20)).array(), StandardCharsets.UTF_8);
    screen = new Screen(width, height, bitsPerPixel / 8, name);
    send(ByteBuffer.allocate(8).put((byte) 2).put((byte) 0).putShort((short) 1).putInt(RAW).flip());
    return screen;
  }

  /** Pulls whole screens, one update after another, for {@code length}. */
  Pulled pull(Duration length) throws IOException {
    long frames = 0;
    long bytes = 0;
    long began = System.nanoTime();
    long end = began + length.toNanos();
    while (System.nanoTime() < end) {
      request(screen.width(), screen.height());
      bytes += readUpdate();
      frames++;
    }
    return new Pulled(frames, bytes, (System.nanoTime() - began) / 1e9);
  }

  /**
   * Probes for {@code length}, one after another: each asks for a {@value #PROBE_SIDE}-pixel
   * square and times from the request's send to the first byte of its answer. Records
   * nanoseconds.
   */
  Histogram probe(Duration length) throws IOException {
    Histogram nanos = new Histogram(Duration.ofMinutes(1).toNanos(), 3);
    long end = System.nanoTime() + length.toNanos();
    while (System.nanoTime() < end) {
      long sent = System.nanoTime();
      request(PROBE_SIDE, PROBE_SIDE);
      if (!chunk.hasRemaining()) {
        chunk = link.next();
      }
      nanos.recordValue(Math.min(System.nanoTime() - sent, nanos.getHighestTrackableValue()));
      readUpdate();
    }
    return nanos;
  }

  /** A non-incremental FramebufferUpdateRequest of the region at the top left. */
  private void request(int width, int height) throws IOException {
    send(ByteBuffer.allocate(10).put((byte) 3).put((byte) 0).putShort((short) 0).putShort((short) 0)
        .putShort((short) width).putShort((short) height).flip());
  }

  /** Reads one FramebufferUpdate of raw rectangles; returns its bytes. */
  private long readUpdate() throws IOException {
    ByteBuffer header = read(4);
    if (header.get(0) != 0) {
      throw new IOException("expected a FramebufferUpdate, got message type " + (header.get(0) & 0xFF));
    }
    int rectangles = header.getShort(2) & 0xFFFF;
    long bytes = 4;
    for (int r = 0; r < rectangles; r++) {
      ByteBuffer rectangle = read(12);
      if (rectangle.getInt(8) != RAW) {
        throw new IOException("expected raw pixels, got encoding " + rectangle.getInt(8));
      }
      long pixels = (long) (rectangle.getShort(4) & 0xFFFF) * (rectangle.getShort(6) & 0xFFFF)
          * screen.bytesPerPixel();
      skip(pixels);
      bytes += 12 + pixels;
    }
    return bytes;
  }

  private ByteBuffer read(int n) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(n);
    while (bytes.hasRemaining()) {
      if (!chunk.hasRemaining()) {
        chunk = link.next();
      }
      int take = Math.min(bytes.remaining(), chunk.remaining());
      bytes.put(chunk.slice(chunk.position(), take));
      chunk.position(chunk.position() + take);
    }
    return bytes.flip();
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      if (!chunk.hasRemaining()) {
        chunk = link.next();
      }
      int take = (int) Math.min(n, chunk.remaining());
      chunk.position(chunk.position() + take);
      n -= take;
    }
  }

  private void send(ByteBuffer bytes) throws IOException {
    link.send(bytes);
  }

  private static boolean contains(byte[] types, int type) {
    for (byte t : types) {
      if (t == type) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    link.close();
  }
}
