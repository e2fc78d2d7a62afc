package io.shardbroker.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports a cluster keeps for its members from start to close, so that a member killed and started
 * again listens where everyone expects it, and nothing else can take the port meanwhile.
 *
 * <p>How: each port is bound here first to port 0 (the kernel picks a free one; no port is ever
 * drawn and released) by a socket that never listens, with {@code SO_REUSEPORT}. The member binds
 * the same port with {@code SO_REUSEPORT} ({@code --reuse-port}) and listens; Linux lets two
 * sockets of one user share a port that way, and sends connections only to the one that listens.
 * While the member is down the holder keeps the port: the kernel never hands a port with a bound
 * socket to an outgoing connection or to another bind to port 0, and a bind without
 * {@code SO_REUSEPORT} fails.
 *
 * <p>Thread-safe.
 */
final class HeldPorts implements AutoCloseable {

  private final InetAddress host;
  private final List<SocketChannel> holders = new ArrayList<>();  // guarded by this

  HeldPorts(InetAddress host) {
    this.host = host;
  }

  /** A port on the host that this keeps until {@link #close}. */
  synchronized int hold() {
    try {
      SocketChannel holder = SocketChannel.open();
      try {
        holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        holder.bind(new InetSocketAddress(host, 0));
      } catch (IOException | RuntimeException e) {
        holder.close();
        throw e;
      }
      holders.add(holder);
      return ((InetSocketAddress) holder.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hold a port on " + host.getHostAddress(), e);
    }
  }

  @Override
  public synchronized void close() {
    for (SocketChannel holder : holders) {
      try {
        holder.close();
      } catch (IOException e) {
        // nothing more to give back
      }
    }
    holders.clear();
  }
}
