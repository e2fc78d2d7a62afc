package io.shardbroker.security;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollChannelOption;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioChannelOption;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC links between roles on real sockets (Netty), the same for every process that runs a
 * role: a concentrator's server, and the channels agents and brokers open to concentrators.
 */
public final class GrpcLinks {

  private GrpcLinks() {}

  /**
   * A concentrator's gRPC server on {@code address}, tuned for many long-lived agent streams. Over
   * TLS it demands a client certificate of the CA and lets each role call only the services
   * {@code callers} gives it.
   *
   * @param callers for each gRPC service name, the roles that may call it
   * @param reusePort listen with {@code SO_REUSEPORT}, so that a supervisor holding the port
   *     between restarts (bound, not listening) keeps it for this server and nobody else
   */
  public static NettyServerBuilder server(
      InetSocketAddress address, LinkSecurity security, Map<String, Set<Role>> callers, boolean reusePort) {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
        .directExecutor()
        // agents and brokers ping every 30 s; the default minimum of 5 min would cut them off
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
    if (reusePort) {
      // Netty uses its native epoll transport where it can, else the JDK's NIO.
      if (Epoll.isAvailable()) {
        builder.withOption(EpollChannelOption.SO_REUSEPORT, true);
      } else {
        builder.withOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
      }
    }
    if (!security.plaintext()) {
      EnumSet<Role> clients = EnumSet.noneOf(Role.class);
      callers.values().forEach(clients::addAll);
      builder.sslContext(GrpcTls.server(security.credentials(), clients))
          .intercept(new PeerAuthorization(callers));
    }
    return builder;
  }

  /**
   * A channel to the concentrator at {@code address} (host:port), for agents and brokers. Over
   * TLS it shows this process's certificate and accepts only a concentrator's certificate of the
   * CA that names the host dialled.
   */
  public static ManagedChannel toConcentrator(String address, LinkSecurity security) {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(address)
        .directExecutor()
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS);
    if (security.plaintext()) {
      builder.usePlaintext();
    } else {
      builder.sslContext(GrpcTls.client(security.credentials(), EnumSet.of(Role.CONCENTRATOR)));
    }
    return builder.build();
  }
}
