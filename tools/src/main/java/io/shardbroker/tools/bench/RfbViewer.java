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
 * FramebufferUpdateRequests, one at a time, each sent once the last update has come in full, as
 * noVNC does. It offers the encodings Tight, ZRLE and Raw in that order (noVNC offers Tight first
 * too, and ZRLE among the others; without its quality level Tight stays lossless, no JPEG): Xvnc
 * answers in Tight, the benchmark's synthetic display in Raw. Updates are parsed only as far as
 * their framing needs; pixels are counted and dropped, never decoded.
 *
 * <p>Not thread-safe: one thread drives a viewer.
 */
final class RfbViewer implements AutoCloseable {

  /**
   * The screen the display announced.
   *
   * @param tightPixelBytes bytes of a pixel in Tight: 3 for 32-bit true colour of depth 24
   */
  record Screen(int width, int height, int bytesPerPixel, int tightPixelBytes, String name) {}

  /** What {@link #pull} moved: whole updates, their bytes (headers included), over its seconds. */
  record Pulled(long frames, long bytes, double seconds) {}

  /** The region a latency probe asks for: small, so the round trip is the path's and not the pixels'. */
  static final int PROBE_SIDE = 16;
  private static final int SECURITY_NONE = 1;
  private static final int VNC_AUTHENTICATION = 2;
  private static final int RAW = 0;
  private static final int TIGHT = 7;
  private static final int ZRLE = 16;
  /** Tight's compression types in the high nibble of its control byte: one colour, and JPEG. */
  private static final int TIGHT_FILL = 8;
  private static final int TIGHT_JPEG = 9;
  /** Tight sends data shorter than this as it is, longer with its length before it. */
  private static final int TIGHT_MIN_TO_COMPRESS = 12;

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
    int depth = init.get(5) & 0xFF;
    boolean trueColour = init.get(7) != 0;
    String name = new String(read(init.getInt(20)).array(), StandardCharsets.UTF_8);
    screen = new Screen(width, height, bitsPerPixel / 8,
        bitsPerPixel == 32 && depth == 24 && trueColour ? 3 : bitsPerPixel / 8, name);
    int[] encodings = {TIGHT, ZRLE, RAW};
    ByteBuffer setEncodings = ByteBuffer.allocate(4 + 4 * encodings.length).put((byte) 2).put((byte) 0)
        .putShort((short) encodings.length);
    for (int e : encodings) {
      setEncodings.putInt(e);
    }
    send(setEncodings.flip());
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

  /** Reads one FramebufferUpdate; returns its bytes. */
  private long readUpdate() throws IOException {
    ByteBuffer header = read(4);
    if (header.get(0) != 0) {
      throw new IOException("expected a FramebufferUpdate, got message type " + (header.get(0) & 0xFF));
    }
    int rectangles = header.getShort(2) & 0xFFFF;
    long bytes = 4;
    for (int r = 0; r < rectangles; r++) {
      ByteBuffer rectangle = read(12);
      int width = rectangle.getShort(4) & 0xFFFF;
      int height = rectangle.getShort(6) & 0xFFFF;
      bytes += 12 + switch (rectangle.getInt(8)) {
        case RAW -> skipped((long) width * height * screen.bytesPerPixel());
        case ZRLE -> 4 + skipped(read(4).getInt() & 0xFFFFFFFFL);
        case TIGHT -> tightRectangle(width, height);
        default -> throw new IOException("got encoding " + rectangle.getInt(8) + ", which this viewer did not ask for");
      };
    }
    return bytes;
  }

  /** Skips one Tight rectangle's data (RFB's Tight encoding: a control byte, then by its type); returns its bytes. */
  private long tightRectangle(int width, int height) throws IOException {
    int control = read(1).get() & 0xFF;
    int type = control >> 4;
    int pixel = screen.tightPixelBytes();
    if (type == TIGHT_FILL) {
      return 1 + skipped(pixel);
    }
    if (type == TIGHT_JPEG) {
      return 1 + compactLengthAndData();
    }
    if (type > TIGHT_JPEG) {
      throw new IOException("got Tight compression type " + type + ", which this viewer did not ask for");
    }
    long bytes = 1;
    int filter = 0;  // copy
    if ((control & 0x40) != 0) {
      filter = read(1).get() & 0xFF;
      bytes++;
    }
    long data = switch (filter) {
      case 0, 2 -> (long) width * height * pixel;  // copy, gradient
      case 1 -> {  // palette
        int colours = (read(1).get() & 0xFF) + 1;
        bytes += 1 + skipped((long) colours * pixel);
        yield colours == 2 ? (long) (width + 7) / 8 * height : (long) width * height;
      }
      default -> throw new IOException("got Tight filter " + filter + ", which RFB does not define");
    };
    return bytes + (data < TIGHT_MIN_TO_COMPRESS ? skipped(data) : compactLengthAndData());
  }

  /** Skips Tight's compact length (1 to 3 bytes, 7 bits each) and the data it counts; returns both's bytes. */
  private long compactLengthAndData() throws IOException {
    long length = 0;
    int lengthBytes = 0;
    for (int shift = 0; shift <= 14; shift += 7) {
      int b = read(1).get() & 0xFF;
      lengthBytes++;
      length |= (long) (shift == 14 ? b : b & 0x7F) << shift;
      if (shift == 14 || (b & 0x80) == 0) {
        break;
      }
    }
    return lengthBytes + skipped(length);
  }

  private long skipped(long n) throws IOException {
    skip(n);
    return n;
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
