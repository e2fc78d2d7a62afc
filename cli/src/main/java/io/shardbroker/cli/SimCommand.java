package io.shardbroker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.FleetLedger;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.cli.config.RoleConfigs.PoolConfig;
import io.shardbroker.cli.config.RoleConfigs.SimConfig;
import io.shardbroker.harness.FleetRecord;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    header = "Runs N simulated VMs (real agents, pretend desktops) for tests and load.",
    description = {
        "Runs N simulated VMs in one process, each with a real agent speaking the real protocol to the concentrators, for tests and load. With --http-port it serves /truth: every VM's sessions as the desktop itself saw them, and the violations of the fleet's invariants seen over the whole run, to check brokers against.",
        "",
        "It also takes faults: POST /faults/drop?vms=N&forMs=M&seed=S cuts the network of N VMs drawn with seed S (default: --seed) for M ms; their sessions go on, and their agents reconnect when it is back."
    })
final class SimCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(SimCommand.class);

  @Mixin CommonOptions common;
  @Mixin TlsOptions tls;

  @Option(names = "--vms", paramLabel = "N", description = "Simulate N single-user VMs in pool 'desktop' (shorthand for --pools desktop:N:1).")
  Integer vms;

  @Option(names = "--pools", paramLabel = "POOL:N:CAP,...",
      description = "VMs to simulate per pool, e.g. desktop:160:1,shared:40:8 (N VMs of capacity CAP).")
  String poolsFlag;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice (default: 42).")
  Long seed;

  @Option(names = "--start-delay", paramLabel = "DURATION", description = "How long a simulated session start takes (default: 0s).")
  String startDelay;

  @Option(names = "--session-length", paramLabel = "DURATION", description = "Sessions end by themselves after this long (default: 0s, never).")
  String sessionLength;

  @Option(names = "--http-port", paramLabel = "PORT", description = "Serve /truth, /healthz and /faults/drop on 127.0.0.1:PORT (default: off).")
  Integer httpPort;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    if (common.logLevel.equals("INFO")) {
      Logging.level("io.shardbroker.agent", "WARN");  // thousands of agents: only trouble is news
    }
    SimConfig config = ConfigFiles.read(common.config, SimConfig.class);
    Topology topology = common.topology(config.topology());
    SimulatedFleet.Spec spec = new SimulatedFleet.Spec(pools(config),
        new SimulatedSessionHost.Settings("rdp", 3389,
            startDelay != null ? Durations.parse(startDelay) : CommonOptions.orDefault(config.startDelay(), Duration.ZERO),
            sessionLength != null ? Durations.parse(sessionLength) : CommonOptions.orDefault(config.sessionLength(), Duration.ZERO),
            CommonOptions.orDefault(config.failureRate(), 0.0)),
        seed != null ? seed : CommonOptions.orDefault(config.seed(), 42L));
    int sets = topology.getSetsCount();
    ScheduledExecutorService scheduler = Roles.scheduler("sim", 2);
    List<String> firstVms = spec.pools().stream().map(p -> SimulatedFleet.vmId(p.pool(), 1)).toList();
    LinkSecurity security = tls.resolve(config.tls(), "a fleet with the VMs " + firstVms + " and on",
        peer -> peer.role() == Role.FLEET && firstVms.stream().allMatch(peer::mayActAsVm), Role.FLEET, null);
    ChannelSource channels = Roles.agentChannels(security);
    SimulatedFleet fleet = new SimulatedFleet(spec, topology, channels, scheduler, Clock.systemUTC());
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(fleet);
    Integer port = httpPort != null ? httpPort : config.httpPort();
    AdminHttpServer admin = null;
    if (port != null) {
      admin = serve(new InetSocketAddress("127.0.0.1", port), fleet, sets, spec.seed());
      resources.add(admin);
    }
    resources.add(channels);
    resources.add(scheduler::shutdownNow);
    fleet.start();
    int expected = fleet.size() * sets;
    Lifecycle.awaitCondition(() -> fleet.attachedLinks() >= expected,
        () -> log.info("sim: {}/{} agent links attached", fleet.attachedLinks(), expected));
    System.out.printf("shardbroker sim ready: %d VMs attached to %d set(s)%s%n", fleet.size(),
        sets, admin == null ? "" : ", truth at " + admin.url("/truth"));
    System.out.flush();
    return Lifecycle.runUntilStopped("sim", resources);
  }

  /** Longest network outage /faults/drop takes: a day, far beyond any test and any timeout. */
  static final long MAX_OUTAGE_MS = Duration.ofDays(1).toMillis();

  /**
   * Serves the simulator's HTTP endpoints at {@code address}: GET /truth, GET /healthz and
   * POST /faults/drop (see the command's description), for a fleet whose agents attach to
   * {@code sets} sets; a drop without a seed draws from {@code defaultSeed}.
   */
  static AdminHttpServer serve(
      InetSocketAddress address, SimulatedFleet fleet, int sets, long defaultSeed) throws IOException {
    ObjectMapper json = new ObjectMapper();
    return new AdminHttpServer(address)
        .route("/truth", "application/json", () -> toJson(json, truth(fleet, sets)))
        .route("/healthz", "application/json", () -> "{\"status\":\"ok\"}")
        // a client connecting to a simulated desktop: its agent takes the ticket once, or refuses
        .post("/connect", query -> toJson(json, fleet.admit(required(query, "vmId"), required(query, "ticket"),
                required(query, "user"))
            .<Map<String, Object>>map(session -> Map.of("admitted", true, "sessionId", session))
            .orElse(Map.of("admitted", false, "reason", "the ticket is unknown, used, expired or another user's"))))
        .post("/faults/drop", query -> toJson(json, Map.of("dropped", fleet.dropLinks(
            (int) number(query, "vms", 0, fleet.size()),
            Duration.ofMillis(number(query, "forMs", 0, MAX_OUTAGE_MS)),
            query.containsKey("seed") ? number(query, "seed", Long.MIN_VALUE, Long.MAX_VALUE)
                : defaultSeed))))
        .start();
  }

  /** The fleet's own record, in the shape a {@link FleetRecord} reads back. */
  private static FleetRecord truth(SimulatedFleet fleet, int sets) {
    FleetLedger.Report ledger = fleet.ledger().report();
    return new FleetRecord(fleet.truth(), fleet.attachedLinks(), fleet.size() * sets, ledger.violations(),
        ledger.sessionsStarted(), ledger.sessionsEnded());
  }

  private static String required(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("query parameter '" + name + "' is missing");
    }
    return value;
  }

  /** A whole number from the query, within min..max; anything else is the caller's mistake. */
  private static long number(Map<String, String> query, String name, long min, long max) {
    String raw = query.get(name);
    if (raw == null) {
      throw new IllegalArgumentException("query parameter '" + name + "' is missing");
    }
    long value;
    try {
      value = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("query parameter '" + name + "' must be a whole number, got '"
          + raw + "'");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException("query parameter '" + name + "' must be " + min + ".." + max
          + ", got " + value);
    }
    return value;
  }

  private List<SimulatedFleet.PoolSpec> pools(SimConfig config) {
    List<SimulatedFleet.PoolSpec> pools = new ArrayList<>();
    if (poolsFlag != null) {
      for (String part : poolsFlag.split(",")) {
        String[] f = part.trim().split(":");
        if (f.length < 2 || f.length > 3) {
          throw new IllegalArgumentException("--pools entry '" + part + "' should look like desktop:160:1");
        }
        try {
          pools.add(new SimulatedFleet.PoolSpec(f[0], Integer.parseInt(f[1]), f.length == 3 ? Integer.parseInt(f[2]) : 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--pools entry '" + part + "' has a count or capacity that is not a number");
        }
      }
    } else if (vms != null) {
      pools.add(new SimulatedFleet.PoolSpec("desktop", vms, 1));
    } else if (config.pools() != null) {
      for (PoolConfig p : config.pools()) {
        if (p.pool() == null || p.vms() == null) {
          throw new IllegalArgumentException("every pool in the config file needs 'pool' and 'vms'");
        }
        pools.add(new SimulatedFleet.PoolSpec(p.pool(), p.vms(), CommonOptions.orDefault(p.capacity(), 1)));
      }
    }
    if (pools.isEmpty()) {
      throw new IllegalArgumentException("nothing to simulate: give --vms N, --pools, or pools in the config file");
    }
    return pools;
  }

  private static String toJson(ObjectMapper json, Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
