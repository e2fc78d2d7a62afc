package io.shardbroker.agent.display;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Logs in to a session's local display as an RFB client, up to the end of security (RFC 6143,
 * 7.1.1 to 7.1.3): protocol 3.8 and VNC authentication with the display's password. What follows
 * on the returned channel, ClientInit first, is the viewer's, passed through by the relay.
 */
final class DisplayLogin {

  static final byte[] VERSION_3_8 = "RFB 003.008\n".getBytes(StandardCharsets.US_ASCII);
  private static final int VNC_AUTHENTICATION = 2;
  /** The most of a display's failure reason read for the log; a longer one is not read. */
  private static final int MAX_REASON_BYTES = 1024;

  private DisplayLogin() {}

  /**
   * A channel to {@code display}, logged in, within {@code timeout}: Unix sockets have no read
   * timeout, so {@code timer} closes the channel of a display that has not finished by then.
   *
   * @throws IOException with a reason fit for the log (never the password) when the display
   *     cannot be reached, speaks something else, or refuses the password
   */
  static SocketChannel open(LocalDisplay display, Duration timeout, ScheduledExecutorService timer)
      throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    ScheduledFuture<?> alarm;
    try {
      alarm = timer.schedule(() -> closeQuietly(channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      closeQuietly(channel);
      throw new IOException("the relay is closing");
    }
    try {
      channel.connect(UnixDomainSocketAddress.of(display.socket()));
      logIn(channel, display.password());
    } catch (IOException e) {
      closeQuietly(channel);
      if (!alarm.cancel(false)) {
        throw new IOException("the display did not finish its handshake within " + timeout.toMillis() + " ms");
      }
      throw e;
    }
    if (!alarm.cancel(false)) {
      closeQuietly(channel);  // closed by now, or about to be
      throw new IOException("the display did not finish its handshake within " + timeout.toMillis() + " ms");
    }
    return channel;
  }

  private static void logIn(SocketChannel channel, byte[] password) throws IOException {
    String version = new String(read(channel, 12).array(), StandardCharsets.US_ASCII);
    if (!version.matches("RFB 003\\.\\d{3}\n") || Integer.parseInt(version.substring(8, 11)) < 8) {
      throw new IOException("the display does not speak RFB 3.8 or later: " + printable(version));
    }
    write(channel, VERSION_3_8);

    int count = read(channel, 1).get() & 0xFF;
    if (count == 0) {
      throw new IOException("the display refused the connection: " + reason(channel));
    }
    boolean offered = false;
    for (byte type : read(channel, count).array()) {
      offered |= type == VNC_AUTHENTICATION;
    }
    if (!offered) {
      throw new IOException("the display does not offer VNC authentication");
    }
    write(channel, new byte[] {VNC_AUTHENTICATION});

    byte[] challenge = read(channel, VncAuth.CHALLENGE_LENGTH).array();
    write(channel, VncAuth.response(password, challenge));
    if (read(channel, 4).getInt() != 0) {
      throw new IOException("the display refused the password: " + reason(channel));
    }
  }

  /** A failure reason: u32 length, then that many bytes of text. */
  private static String reason(SocketChannel channel) throws IOException {
    long length = read(channel, 4).getInt() & 0xFFFFFFFFL;
    if (length > MAX_REASON_BYTES) {
      return "(a reason of " + length + " bytes)";
    }
    return printable(new String(read(channel, (int) length).array(), StandardCharsets.UTF_8));
  }

  /** {@code n} bytes from {@code channel}, flipped for reading. */
  static ByteBuffer read(SocketChannel channel, int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(n);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("the display closed the connection during its handshake");
      }
    }
    return buffer.flip();
  }

  static void write(SocketChannel channel, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /** {@code text} fit for one log line: control characters shown as '?'. */
  private static String printable(String text) {
    return text.codePoints()
        .map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }

  static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing: nothing left to do
    }
  }
}
