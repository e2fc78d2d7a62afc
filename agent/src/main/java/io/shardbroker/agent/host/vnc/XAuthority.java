package io.shardbroker.agent.host.vnc;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * An Xauthority file of one MIT-MAGIC-COOKIE-1 entry, so that only holders of the cookie (the
 * session's own programs, through {@code XAUTHORITY}) may open the X display: without it, any
 * local account could read the desktop's screen and type into it through the X server's socket.
 * Format: libXau's, each field a big-endian 16-bit length and its bytes.
 */
final class XAuthority {

  /** Matches any host address: the display is reached over its local socket only. */
  private static final int FAMILY_WILD = 0xFFFF;
  static final int COOKIE_LENGTH = 16;

  private XAuthority() {}

  /**
   * The file's bytes for {@code cookie} on display {@code display}, or for the X server, which
   * loads every cookie regardless of display, on none ({@code display} negative): clients look
   * entries up by display number, which the server knows only once it runs.
   */
  static byte[] file(byte[] cookie, int display) {
    if (cookie.length != COOKIE_LENGTH) {
      throw new IllegalArgumentException("an MIT-MAGIC-COOKIE-1 has 16 bytes, got " + cookie.length);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeShort(FAMILY_WILD);
      field(out, new byte[0]);
      field(out, (display < 0 ? "" : Integer.toString(display)).getBytes(StandardCharsets.US_ASCII));
      field(out, "MIT-MAGIC-COOKIE-1".getBytes(StandardCharsets.US_ASCII));
      field(out, cookie);
    } catch (IOException e) {
      throw new IllegalStateException(e);  // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  private static void field(DataOutputStream out, byte[] value) throws IOException {
    out.writeShort(value.length);
    out.write(value);
  }
}
