package io.shardbroker.cli;

import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Runs everything in one process: a broker, 2x2 concentrators, 200 simulated VMs.",
    description = {
        "Runs a whole shardbroker in this process, bound to 127.0.0.1 only: a broker with its HTTP API, 2 sets of 2 concentrators, and 200 simulated VMs (pool 'desktop': 160 single-user desktops; pool 'shared': 40 hosts of 8 sessions each). Users alice and bob may sign in with the password 'demo'. Ctrl-C stops it."
    })
final class DemoCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port of the broker's HTTP API (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--verbose", description = "Log what every role does, not only the broker.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      Logging.level("io.shardbroker.agent", "WARN");
      Logging.level("io.shardbroker.concentrator", "WARN");
    }
    SimulatedFleet.Spec fleet = new SimulatedFleet.Spec(
        List.of(new SimulatedFleet.PoolSpec("desktop", 160, 1),
            new SimulatedFleet.PoolSpec("shared", 40, 8)),
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ofMillis(20), Duration.ZERO, 0.0),
        42);
    LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(2, 2, fleet, "127.0.0.1",
        httpPort, Map.of("alice", "demo", "bob", "demo"), Duration.ofSeconds(2)));
    Lifecycle.awaitCondition(cluster::ready, () -> log.info("demo: {}/{} agent links attached",
        cluster.fleet().attachedLinks(), cluster.fleet().size() * 2));
    String url = "http://127.0.0.1:" + cluster.broker().port();
    System.out.println("shardbroker demo ready: " + url + " (2 sets x 2 concentrators, 200 VMs; users alice, bob; password demo)");
    System.out.println();
    System.out.println("  Ask for a desktop:");
    System.out.println("    curl -u alice:demo -H 'Content-Type: application/json' -d '{\"pool\": \"desktop\"}' " + url + "/api/v1/sessions");
    System.out.println("  Your sessions:   curl -u alice:demo " + url + "/api/v1/sessions");
    System.out.println("  End one:         curl -u alice:demo -X DELETE " + url + "/api/v1/sessions/SESSION_ID");
    System.out.println("  The topology:    curl -u alice:demo " + url + "/api/v1/topology");
    System.out.println("  The VMs in use:  curl -u alice:demo '" + url + "/api/v1/vms?pool=desktop&state=in_use'");
    System.out.println("  Metrics:         " + url + "/metrics, and per concentrator:");
    for (String c : cluster.concentratorMetricUrls()) {
      System.out.println("                   " + c);
    }
    System.out.println();
    System.out.println("Press Ctrl-C to stop.");
    System.out.flush();
    return Lifecycle.runUntilStopped("demo", List.of(cluster));
  }
}
