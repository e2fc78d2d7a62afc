package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.display.VncAuth;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Logs in to a local display as the display relay would, and reads the desktop's size. */
final class RfbProbe {

  record ServerInit(int width, int height, String name) {}

  private RfbProbe() {}

  /** The display's ServerInit after VNC authentication with {@code password}; fails when refused. */
  static ServerInit serverInit(LocalDisplay display, byte[] password) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(display.socket()))) {
      DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
      OutputStream out = Channels.newOutputStream(channel);
      byte[] version = new byte[12];
      in.readFully(version);
      if (!new String(version, StandardCharsets.US_ASCII).startsWith("RFB 003.")) {
        throw new IOException("not RFB: " + new String(version, StandardCharsets.US_ASCII));
      }
      out.write("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
      byte[] types = new byte[in.readUnsignedByte()];
      in.readFully(types);
      out.write(2);  // VNC authentication
      byte[] challenge = new byte[16];
      in.readFully(challenge);
      out.write(VncAuth.response(password, challenge));
      if (in.readInt() != 0) {
        throw new IOException("VNC authentication refused");
      }
      out.write(1);  // ClientInit: shared
      int width = in.readUnsignedShort();
      int height = in.readUnsignedShort();
      in.skipNBytes(16);  // pixel format
      byte[] name = new byte[in.readInt()];
      in.readFully(name);
      return new ServerInit(width, height, new String(name, StandardCharsets.UTF_8));
    }
  }
}
