package io.shardbroker.concentrator;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.Role;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent concentrator: the gRPC server that agents attach to and brokers ask, with its
 * in-memory {@link VmRegistry}, the standard gRPC health service, and the sweep that marks silent
 * agents unreachable. For the {@linkplain ConcentratorSettings#warmUp warm-up} after its start it
 * tells brokers that its view may still lack VMs.
 *
 * <p>The transport comes from the caller's {@link ServerBuilder} (Netty on a socket in production,
 * in-process in tests); time and timers from the given clock and scheduler.
 */
public final class ConcentratorServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConcentratorServer.class);

  /**
   * Who may call which of its services over TLS (see {@code PeerAuthorization}): agents and
   * fleets attach, brokers ask; anyone with a certificate of the CA may check its health.
   */
  public static final Map<String, Set<Role>> CALLERS = Map.of(
      AgentLinkGrpc.SERVICE_NAME, EnumSet.of(Role.AGENT, Role.FLEET),
      ConcentratorGrpc.SERVICE_NAME, EnumSet.of(Role.BROKER),
      HealthGrpc.SERVICE_NAME, EnumSet.allOf(Role.class));

  private final ConcentratorSettings settings;
  private final CurrentTopology topology;
  private final VmRegistry registry;
  private final WarmUp warmUp;
  private final ScheduledExecutorService scheduler;
  private final ConcentratorMetrics metrics;
  private final HeartbeatPace pace;
  private final AgentLinkService agentLinks;
  private final HealthStatusManager health = new HealthStatusManager();
  private final Server server;
  private ScheduledFuture<?> sweeper;
  private final AtomicBoolean closed = new AtomicBoolean();

  public ConcentratorServer(
      ConcentratorSettings settings, ServerBuilder<?> serverBuilder, Clock clock,
      ScheduledExecutorService scheduler, MeterRegistry meters) {
    this.settings = settings;
    this.registry = new VmRegistry(settings, clock);
    this.warmUp = new WarmUp(settings.warmUp(), settings.heartbeatInterval(), clock);
    this.scheduler = scheduler;

    this.topology = new CurrentTopology(settings.topology());
    this.pace = new HeartbeatPace(settings);
    this.metrics = new ConcentratorMetrics(meters, registry, warmUp, pace);
    this.agentLinks = new AgentLinkService(settings, topology, registry, warmUp, pace, metrics);
    this.server = serverBuilder
        .addStreamTracerFactory(new WireCounters(meters))
        .addService(agentLinks)
        .addService(new BrokerService(settings, topology, registry, warmUp, pace, scheduler, metrics))
        .addService(health.getHealthService())
        .build();
  }

  /** Starts serving; the warm-up starts now, by the clock. */
  public ConcentratorServer start() throws IOException {
    warmUp.start();
    server.start();
    long interval = settings.heartbeatInterval().toNanos();
    sweeper = scheduler.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.NANOSECONDS);
    health.setStatus("", ServingStatus.SERVING);
    log.info("concentrator {} of set {} listening on port {}", settings.id(), settings.setId(), port());
    if (!settings.warmUp().isZero()) {
      log.info("concentrator {} warming up for {}: brokers will not trust its 'no session' alone "
          + "until then", settings.id(), readable(settings.warmUp()));
    }
    return this;
  }

  /** Whether this concentrator's view may still lack VMs that are on their way back to it. */
  public boolean warmingUp() {
    return warmUp.warming();
  }

  /** The port the server listens on; -1 for in-process transports. */
  public int port() {
    return server.getPort();
  }

  public ConcentratorSettings settings() {
    return settings;
  }

  /** The newest topology this concentrator knows. */
  public Topology topology() {
    return topology.get();
  }

  /**
   * Takes a newer topology (an operator added or removed concentrators or sets) and sends it to
   * every attached agent, which re-homes by rendezvous hashing as it says: no agent restarts.
   * An offer that is not newer changes nothing; returns whether it was taken.
   */
  public boolean updateTopology(Topology offered) {
    if (!topology.offer(offered)) {
      return false;
    }
    List<AgentStream> streams = agentLinks.openStreams();
    log.info("concentrator {}: topology version {}; telling {} agent(s)", settings.id(),
        offered.getVersion(), streams.size());
    ConcentratorMessage message = ConcentratorMessage.newBuilder().setTopology(offered).build();
    for (AgentStream stream : streams) {
      stream.send(message);
    }
    return true;
  }

  /** Runs one sweep now: silent VMs become unreachable, long-gone ones are forgotten. */
  void sweep() {
    try {
      Duration silenceLimit = pace.silenceLimit();
      for (AgentStream silent : registry.sweep(silenceLimit)) {
        metrics.silent();
        silent.close(Status.UNAVAILABLE.withDescription("no heartbeat for "
            + silenceLimit.toMillis() + " ms"));
      }
    } catch (RuntimeException e) {
      log.error("heartbeat sweep failed; it runs again in {} ms", settings.heartbeatInterval().toMillis(), e);
    }
  }

  /**
   * Stops: tells health checkers, closes every agent stream (agents move to another concentrator
   * of the set) and waits briefly for calls in flight. Closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    server.shutdown();
    for (AgentStream stream : agentLinks.openStreams()) {
      stream.close(Status.UNAVAILABLE.withDescription("concentrator " + settings.id() + " is shutting down"));
    }
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("concentrator {} stopped", settings.id());
  }

  /** {@code 15 s}, or {@code 1500 ms} when not whole seconds. */
  private static String readable(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
