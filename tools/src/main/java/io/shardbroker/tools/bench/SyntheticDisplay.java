package io.shardbroker.tools.bench;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.display.VncAuth;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * The display benchmark's desktop: an RFB 3.8 server on a Unix socket that behaves toward a
 * client as Xvnc does toward the agent's display relay (VNC authentication with its password,
 * then ServerInit after the client's ClientInit), and then answers every FramebufferUpdateRequest
 * at once with one raw rectangle of exactly the region asked for, clipped to the screen. So a
 * client that asks for the whole screen gets {@code width x height x 4} bytes per request, as fast
 * as it pulls them, and one that asks for a small region gets a small update: throughput and
 * round trips of the path in front of it, not of a desktop's drawing.
 *
 * <p>Pixels are 32-bit true colour from a fixed pattern drawn once from {@code seed}; each update
 * starts at another place in it, so no two consecutive frames are alike and nothing is constant.
 * Input (keys, pointer, clipboard) and the pixel format a client asks for are read and ignored.
 *
 * <p>One platform thread per client, as a display server of its own would have; the pattern is a
 * direct buffer, written without a copy. Thread-safe; {@link #close} ends every client.
 */
final class SyntheticDisplay implements AutoCloseable {

  static final String NAME = "shardbroker bench display";
  private static final byte[] VERSION = "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII);
  private static final int VNC_AUTHENTICATION = 2;
  /** How far apart consecutive updates start in the pattern, and how much longer than a screen it is. */
  private static final int FRAME_STEP = 4 * 1021;
  private static final int SHIFTS = 64;

  private final int width;
  private final int height;
  private final byte[] password;
  private final Path socket;
  /** The socket's directory, which {@link #close} removes. */
  private final Path ownDirectory;
  private final ByteBuffer pattern;
  private final ServerSocketChannel listener;
  private final Thread acceptor;
  private final Set<SocketChannel> clients = new HashSet<>();  // guarded by itself

  /**
   * Listens at once on a socket in {@code directory}, which becomes its own: {@link #close} removes
   * it. Clients must answer the challenge with {@code password}.
   */
  static SyntheticDisplay inDirectory(Path directory, byte[] password, int width, int height, long seed)
      throws IOException {
    return new SyntheticDisplay(directory.resolve("rfb.sock"), directory, password, width, height, seed);
  }

  private SyntheticDisplay(Path socket, Path ownDirectory, byte[] password, int width, int height, long seed)
      throws IOException {
    this.socket = socket;
    this.ownDirectory = ownDirectory;
    this.width = width;
    this.height = height;
    this.password = password.clone();
    this.pattern = pattern(width * height * 4 + FRAME_STEP * SHIFTS, seed);
    this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
    this.acceptor = Thread.ofPlatform().daemon().name("synthetic-display-accept").start(this::accept);
  }

  private static ByteBuffer pattern(int bytes, long seed) {
    ByteBuffer pattern = ByteBuffer.allocateDirect(bytes);
    Random random = new Random(seed);
    byte[] chunk = new byte[64 * 1024];
    while (pattern.hasRemaining()) {
      random.nextBytes(chunk);
      pattern.put(chunk, 0, Math.min(chunk.length, pattern.remaining()));
    }
    return pattern.clear();
  }

  /** Where and how the agent's relay reaches it. */
  LocalDisplay local() {
    return new LocalDisplay(socket, password.clone());
  }

  @Override
  public void close() throws IOException {
    listener.close();
    synchronized (clients) {
      for (SocketChannel c : clients) {
        c.close();
      }
    }
    try {
      acceptor.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    WorkDir.delete(ownDirectory);
  }

  private void accept() {
    try {
      while (true) {
        SocketChannel client = listener.accept();
        synchronized (clients) {
          clients.add(client);
        }
        Thread.ofPlatform().daemon().name("synthetic-display-client").start(() -> serve(client));
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void serve(SocketChannel channel) {
    try (channel) {
      if (logIn(channel)) {
        read(channel, 1);  // ClientInit: shared or not, there is one screen
        write(channel, serverInit());
        answer(channel);
      }
    } catch (IOException e) {
      // the client went, or the display closed
    } finally {
      synchronized (clients) {
        clients.remove(channel);
      }
    }
  }

  /** The version and VNC authentication; false, after telling the client, when it failed. */
  private boolean logIn(SocketChannel channel) throws IOException {
    write(channel, VERSION);
    read(channel, VERSION.length);
    write(channel, new byte[] {1, VNC_AUTHENTICATION});
    if (read(channel, 1).get() != VNC_AUTHENTICATION) {
      return false;
    }
    byte[] challenge = new byte[VncAuth.CHALLENGE_LENGTH];
    new SecureRandom().nextBytes(challenge);
    write(channel, challenge);
    byte[] expected = VncAuth.response(password, challenge);
    if (!MessageDigest.isEqual(read(channel, VncAuth.CHALLENGE_LENGTH).array(), expected)) {
      byte[] reason = "Authentication failed".getBytes(StandardCharsets.US_ASCII);
      write(channel, ByteBuffer.allocate(8 + reason.length).putInt(1).putInt(reason.length).put(reason).array());
      return false;
    }
    write(channel, new byte[4]);
    return true;
  }

  /** ServerInit: the size, 32-bit true colour (little-endian, 8 bits a channel), the name. */
  private byte[] serverInit() {
    byte[] name = NAME.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(24 + name.length)
        .putShort((short) width).putShort((short) height)
        .put(new byte[] {32, 24, 0, 1, 0, (byte) 255, 0, (byte) 255, 0, (byte) 255, 16, 8, 0, 0, 0, 0})
        .putInt(name.length).put(name)
        .array();
  }

  /** The client's messages until it goes: each update request answered at once, the rest skipped. */
  private void answer(SocketChannel channel) throws IOException {
    long frames = 0;
    while (true) {
      int type = read(channel, 1).get() & 0xFF;
      switch (type) {
        case 0 -> read(channel, 19);  // SetPixelFormat: kept at 32 bits
        case 2 -> read(channel, 4 * (read(channel, 3).getShort(1) & 0xFFFF));  // SetEncodings: raw is sent anyway
        case 3 -> update(channel, read(channel, 9), frames++);
        case 4 -> read(channel, 7);  // KeyEvent
        case 5 -> read(channel, 5);  // PointerEvent
        case 6 -> read(channel, read(channel, 7).getInt(3));  // ClientCutText
        default -> throw new IOException("a client message this display does not know: " + type);
      }
    }
  }

  /** One FramebufferUpdate of one raw rectangle: the region {@code request} asks for, on the screen. */
  private void update(SocketChannel channel, ByteBuffer request, long frame) throws IOException {
    int x = Math.min(request.getShort(1) & 0xFFFF, width);
    int y = Math.min(request.getShort(3) & 0xFFFF, height);
    int w = Math.min(request.getShort(5) & 0xFFFF, width - x);
    int h = Math.min(request.getShort(7) & 0xFFFF, height - y);
    ByteBuffer header = ByteBuffer.allocate(16)
        .put((byte) 0).put((byte) 0).putShort((short) 1)
        .putShort((short) x).putShort((short) y).putShort((short) w).putShort((short) h).putInt(0)
        .flip();
    int start = (int) (frame % SHIFTS) * FRAME_STEP;
    ByteBuffer pixels = pattern.duplicate().position(start).limit(start + w * h * 4);
    ByteBuffer[] both = {header, pixels};
    while (header.hasRemaining() || pixels.hasRemaining()) {
      channel.write(both);
    }
  }

  private static ByteBuffer read(SocketChannel channel, int n) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(n);
    while (bytes.hasRemaining()) {
      if (channel.read(bytes) < 0) {
        throw new IOException("the client closed");
      }
    }
    return bytes.flip();
  }

  private static void write(SocketChannel channel, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
