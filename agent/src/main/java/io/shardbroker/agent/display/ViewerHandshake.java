package io.shardbroker.agent.display;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The relay's side of RFB toward the viewer, as the server, up to the end of security (RFC 6143,
 * 7.1.1 to 7.1.3): it speaks 3.8, takes a viewer of 3.3, 3.7 or 3.8, and asks for no
 * authentication, since the ticket and mutual TLS already stood for it. What follows, ClientInit
 * first, goes to the display, which logged the relay in already.
 */
final class ViewerHandshake {

  private static final int SECURITY_NONE = 1;

  private ViewerHandshake() {}

  /**
   * Plays the server's part over {@code in} and {@code out}; whoever calls it bounds the time.
   *
   * @throws IOException for a viewer that speaks another version or picks another security type
   */
  static void serve(InputStream in, OutputStream out) throws IOException {
    out.write(DisplayLogin.VERSION_3_8);
    out.flush();
    byte[] version = new byte[12];
    new DataInputStream(in).readFully(version);
    String spoken = new String(version, StandardCharsets.US_ASCII);
    switch (spoken) {
      case "RFB 003.003\n" -> {
        // 3.3: the server names the security type, the client does not choose
        out.write(ByteBuffer.allocate(4).putInt(SECURITY_NONE).array());
      }
      case "RFB 003.007\n", "RFB 003.008\n" -> {
        out.write(new byte[] {1, SECURITY_NONE});
        out.flush();
        int chosen = in.read();
        if (chosen < 0) {
          throw new IOException("the viewer closed the connection during the RFB handshake");
        }
        if (chosen != SECURITY_NONE) {
          throw new IOException("the viewer chose security type " + chosen + " where only 1 (None) was offered");
        }
        if (spoken.equals("RFB 003.008\n")) {
          out.write(new byte[4]);  // SecurityResult: OK
        }
      }
      default -> throw new IOException("the viewer speaks an RFB version the relay does not: "
          + spoken.strip().replaceAll("\\p{Cntrl}", "?"));
    }
    out.flush();
  }
}
