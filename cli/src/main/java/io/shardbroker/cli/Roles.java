package io.shardbroker.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.security.GrpcLinks;
import io.shardbroker.security.LinkSecurity;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** What every role process sets up the same way: transports, timers, meters. */
final class Roles {

  private Roles() {}

  /**
   * A concentrator's gRPC server on a real socket (see {@link GrpcLinks#server}): over TLS each
   * role may call only its services ({@link ConcentratorServer#CALLERS}).
   */
  static NettyServerBuilder concentratorServer(InetSocketAddress address, LinkSecurity security, boolean reusePort) {
    return GrpcLinks.server(address, security, ConcentratorServer.CALLERS, reusePort);
  }

  /** A channel to the concentrator at {@code address} (host:port), for agents and brokers. */
  static ManagedChannel concentratorChannel(String address, LinkSecurity security) {
    return GrpcLinks.toConcentrator(address, security);
  }

  /** Channels to concentrators, one per address, shared by all the agents of this process. */
  static ChannelSource agentChannels(LinkSecurity security) {
    return new ChannelSource(address -> concentratorChannel(address, security));
  }

  /** Timers for heartbeats, timeouts and backoff; daemon threads, so they never hold up exit. */
  static ScheduledExecutorService scheduler(String name, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, name + "-timer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, factory);
    executor.setRemoveOnCancelPolicy(true);  // cancelled timeouts must not pile up
    return Executors.unconfigurableScheduledExecutorService(executor);
  }

  /** A Prometheus registry with the JVM's own meters bound. */
  static PrometheusMeterRegistry meters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return registry;
  }
}
