package io.shardbroker.tools.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A viewer on a display's own Unix socket, reading it as the agent's display relay does (a
 * blocking channel into one heap buffer of the relay's size): the direct connection the display
 * benchmark holds the path against. Unix sockets have no read timeout; {@link #close} ends a read.
 */
final class UnixViewerLink implements ViewerLink {

  /** The relay's own read buffer, {@code RelayedConnection.BUFFER_BYTES}. */
  static final int BUFFER = 16 * 1024;

  private final SocketChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);

  private UnixViewerLink(SocketChannel channel) {
    this.channel = channel;
  }

  static UnixViewerLink open(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return new UnixViewerLink(channel);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public ByteBuffer next() throws IOException {
    buffer.clear();
    if (channel.read(buffer) < 0) {
      throw new IOException("the display closed its socket");
    }
    return buffer.flip();
  }

  @Override
  public void send(ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  @Override
  public String describe() {
    return "the display's Unix socket";
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing is all that was asked
    }
  }
}
