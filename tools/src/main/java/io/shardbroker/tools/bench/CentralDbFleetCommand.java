package io.shardbroker.tools.bench;

import com.sun.net.httpserver.HttpServer;
import io.shardbroker.cli.Lifecycle;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.tools.centraldb.CentralDbFleet;
import io.shardbroker.tools.centraldb.CentralDbSchema;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "central-db-fleet",
    hidden = true,
    mixinStandardHelpOptions = true,
    header = "Runs the central-db baseline's simulated agents (for 'bench storm').",
    description = {
        "Registers --vms single-user desktops (desktop-000001..) in PostgreSQL, then writes every VM's "
            + "heartbeat into it once per --heartbeat, one statement per VM as separate agents would. "
            + "Serves its statement count as JSON on --counters-port. Prints a ready line once registered."
    })
public final class CentralDbFleetCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--jdbc", required = true, paramLabel = "URL", description = "PostgreSQL JDBC URL.")
  String jdbc;

  @Option(names = "--vms", required = true, paramLabel = "N", description = "VMs to register.")
  int vms;

  @Option(names = "--capacity", defaultValue = "1", paramLabel = "N",
      description = "Sessions each VM takes (default: ${DEFAULT-VALUE}).")
  int capacity;

  @Option(names = "--heartbeat", defaultValue = "5s", paramLabel = "DURATION",
      description = "Heartbeat interval of every VM (default: ${DEFAULT-VALUE}).")
  String heartbeat;

  @Option(names = "--workers", defaultValue = "16", paramLabel = "N",
      description = "Writer threads, each with its own connection (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--counters-port", defaultValue = "0", paramLabel = "PORT",
      description = "Port of GET /counters on 127.0.0.1 (default: any).")
  int countersPort;

  @Override
  public Integer call() throws IOException {
    DataSource db = CentralDbSchema.openPool(jdbc, null, null, workers + 1);
    CentralDbSchema.create(db);
    long began = System.nanoTime();
    List<String> ids = CentralDbSchema.registerVms(db, "desktop", vms, capacity, "desktop-");
    double seconds = (System.nanoTime() - began) / 1e9;
    CentralDbFleet fleet = new CentralDbFleet(db, ids, Durations.parse(heartbeat), workers);
    fleet.start();
    HttpServer counters = HttpServer.create(new InetSocketAddress("127.0.0.1", countersPort), 0);
    counters.createContext("/counters", exchange -> {
      byte[] body = ("{\"statements\": " + fleet.stats().heartbeats() + "}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    counters.start();
    spec.commandLine().getOut().printf("shardbroker central-db fleet ready: %d VMs registered in %.1f s, "
        + "heartbeats every %s, counters at http://127.0.0.1:%d/counters%n", ids.size(), seconds, heartbeat,
        counters.getAddress().getPort());
    spec.commandLine().getOut().flush();
    return Lifecycle.runUntilStopped("central-db fleet",
        List.of(() -> counters.stop(0), fleet, (AutoCloseable) db));
  }
}
