package io.shardbroker.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.cli.config.Addresses;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.cli.config.RoleConfigs.ConcentratorConfig;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "concentrator",
    mixinStandardHelpOptions = true,
    header = "Runs an agent concentrator of one set.",
    description = {
        "Runs an agent concentrator: agents attach to it and report their VMs' state; brokers ask it for free VMs and to start sessions. It keeps VM state in memory only; after a restart it rebuilds it from the agents that reattach. Prometheus metrics are served on --metrics-port."
    })
final class ConcentratorCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin TlsOptions tls;

  @Option(names = "--id", paramLabel = "ID", description = "This concentrator's id as the topology names it.")
  String id;

  @Option(names = "--set-id", paramLabel = "SET", description = "The set it belongs to (default: the set whose members include --id).")
  String setId;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Where the gRPC server listens (default: its address in the topology).")
  String listen;

  @Option(names = "--reuse-port",
      description = "Listen with SO_REUSEPORT: a supervisor that holds the port between restarts (bound, "
          + "not listening) keeps it for this concentrator, and no other program takes it meanwhile.")
  boolean reusePort;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Port of the HTTP /metrics and /healthz endpoints, on the --listen host (default: 0, a free port, logged at start).")
  Integer metricsPort;

  @Option(names = "--heartbeat-interval", paramLabel = "DURATION",
      description = "How often agents must send a heartbeat, e.g. 5s (default: 5s). A VM silent for 3 intervals is unreachable.")
  String heartbeatInterval;

  @Option(names = "--max-heartbeat-rate", paramLabel = "N",
      description = "The most heartbeats a second this concentrator takes; with more VMs than the interval "
          + "allows at this rate, it asks its agents for a longer interval, in whole seconds (default: "
          + ConcentratorSettings.MAX_HEARTBEAT_RATE_DEFAULT + ", 50,000 VMs at 5 s).")
  Integer maxHeartbeatRate;

  @Option(names = "--warm-up", paramLabel = "DURATION",
      description = "How long after its start the concentrator tells brokers that VMs may still be on their way back to it, so that they do not trust its \"no session\" alone, e.g. 15s; 0s for never (default: 3 heartbeat intervals).")
  String warmUp;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    ConcentratorConfig config = ConfigFiles.read(common.config, ConcentratorConfig.class);
    Topology topology = common.topology(config.topology());
    String myId = id != null ? id : config.id();
    if (myId == null) {
      throw new IllegalArgumentException("give the concentrator's id with --id or 'id:' in the config file");
    }
    ConcentratorEndpoint me = null;
    String mySet = setId != null ? setId : config.set();
    for (ConcentratorSet set : topology.getSetsList()) {
      for (ConcentratorEndpoint c : set.getConcentratorsList()) {
        if (c.getId().equals(myId)) {
          me = c;
          if (mySet == null) {
            mySet = set.getId();
          }
        }
      }
    }
    String listenAt = listen != null ? listen : config.listen() != null ? config.listen()
        : me != null ? me.getAddress() : null;
    if (listenAt == null) {
      throw new IllegalArgumentException("concentrator " + myId + " is not in the topology; give --listen and --set-id");
    }
    if (mySet == null) {
      throw new IllegalArgumentException("concentrator " + myId + " is in no set of the topology; give --set-id");
    }
    ConcentratorSettings settings = settings(config, myId, mySet, topology);

    InetSocketAddress address = Addresses.parse("--listen", listenAt);
    ScheduledExecutorService scheduler = Roles.scheduler("concentrator", 2);
    PrometheusMeterRegistry meters = Roles.meters();
    LinkSecurity security = tls.resolve(config.tls(), "concentrator " + myId,
        TlsOptions.exactly(Role.CONCENTRATOR, myId), Role.CONCENTRATOR, myId);
    ConcentratorServer server = new ConcentratorServer(settings, Roles.concentratorServer(address, security, reusePort),
        Clock.systemUTC(), scheduler, meters).start();
    int port = metricsPort != null ? metricsPort : CommonOptions.orDefault(config.metricsPort(), 0);
    AdminHttpServer admin = new AdminHttpServer(new InetSocketAddress(address.getHostString(), port))
        .route("/metrics", "text/plain; version=0.0.4; charset=utf-8", meters::scrape)
        .route("/healthz", "application/json", () -> "{\"status\":\"ok\"}")
        .start();
    AutoCloseable watcher = common.watchTopologyFile(scheduler, server::updateTopology);
    System.out.printf("shardbroker concentrator %s ready: %s:%d (set %s, %s), metrics %s%n", myId,
        address.getHostString(), server.port(), mySet, security.describe(), admin.url("/metrics"));
    System.out.flush();
    return Lifecycle.runUntilStopped("concentrator " + myId,
        List.<AutoCloseable>of(watcher, server, admin, scheduler::shutdownNow));
  }

  /** The settings from the flags, else the config file, else the defaults. */
  ConcentratorSettings settings(ConcentratorConfig config, String myId, String mySet, Topology topology) {
    ConcentratorSettings d = ConcentratorSettings.defaults(myId, mySet, topology);
    Duration interval = heartbeatInterval != null ? Durations.parse(heartbeatInterval)
        : CommonOptions.orDefault(config.heartbeatInterval(), d.heartbeatInterval());
    return new ConcentratorSettings(myId, mySet, topology,
        interval,
        CommonOptions.orDefault(config.missedHeartbeats(), d.missedHeartbeats()),
        CommonOptions.orDefault(config.startTimeout(), d.startTimeout()),
        CommonOptions.orDefault(config.endTimeout(), d.endTimeout()),
        CommonOptions.orDefault(config.unreachableRetention(), d.unreachableRetention()),
        d.maxCandidates(),
        warmUp != null ? Durations.parse(warmUp)
            : CommonOptions.orDefault(config.warmUp(), ConcentratorSettings.defaultWarmUp(interval)),
        maxHeartbeatRate != null ? maxHeartbeatRate
            : CommonOptions.orDefault(config.maxHeartbeatRate(), d.maxHeartbeatRate()));
  }
}
