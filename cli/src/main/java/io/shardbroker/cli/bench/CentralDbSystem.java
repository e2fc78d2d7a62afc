package io.shardbroker.cli.bench;

import io.shardbroker.cli.local.JsonHttp;
import io.shardbroker.cli.local.LocalProcesses;
import io.shardbroker.cli.local.RoleProcess;
import io.shardbroker.cli.local.RunLog;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The central-db baseline: PostgreSQL (started here, with its data under the work directory), one
 * broker process that keeps every VM in it and claims with {@code FOR UPDATE SKIP LOCKED}, and a
 * fleet process whose agents write their heartbeats into it (see the baseline module).
 *
 * <p>PostgreSQL runs with {@code synchronous_commit = off}, as a team tuning for heartbeat load
 * would: commits do not wait for the disk, the data still reaches it within a fraction of a second.
 */
final class CentralDbSystem implements SystemUnderTest {

  private final Fleet fleet;
  private final int users;
  private final Duration heartbeat;
  private final Path dir;
  private final LocalProcesses processes;
  private final RunLog log;
  private final List<RoleProcess> roles = new ArrayList<>();
  private EmbeddedPostgres postgres;

  CentralDbSystem(Fleet fleet, int users, Duration heartbeat, Path dir, LocalProcesses processes, RunLog log) {
    this.fleet = fleet;
    this.users = users;
    this.heartbeat = heartbeat;
    this.dir = dir;
    this.processes = processes;
    this.log = log;
  }

  @Override
  public String name() {
    return "central-db";
  }

  @Override
  public String describe() {
    return "1 broker, PostgreSQL";
  }

  @Override
  public Started start() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    postgres = EmbeddedPostgres.builder()
        .setDataDirectory(dir.resolve("postgres"))
        .setCleanDataDirectory(true)
        .setRegisterShutdownHook(true)
        .setServerConfig("synchronous_commit", "off")
        .setServerConfig("max_connections", "300")
        .setServerConfig("shared_buffers", "512MB")
        .setPGStartupWait(Duration.ofMinutes(2))
        .start();
    String jdbc = postgres.getJdbcUrl("postgres", "postgres");
    log.event("central-db: PostgreSQL ready at %s", jdbc);

    int port = LocalProcesses.freePort();
    RoleProcess broker = processes.define("central-db-broker", "1g", LocalProcesses.Jvm.SERVER, List.of("bench", "central-db-broker",
        "--jdbc", jdbc, "--users", Integer.toString(users), "--http-port", Integer.toString(port),
        "--silence-limit", heartbeat.multipliedBy(3).toMillis() + "ms"));
    roles.add(broker);
    broker.awaitReady(broker.start(), ShardedSystem.READY_TIMEOUT);

    int countersPort = LocalProcesses.freePort();
    RoleProcess agents = processes.define("central-db-fleet", "1g", LocalProcesses.Jvm.SERVER, List.of("bench",
        "central-db-fleet", "--jdbc", jdbc, "--vms", Integer.toString(fleet.vms()),
        "--capacity", Integer.toString(fleet.sessionsPerVm()), "--heartbeat", heartbeat.toMillis() + "ms",
        "--counters-port", Integer.toString(countersPort)));
    roles.add(agents);
    long registering = System.nanoTime();
    agents.awaitReady(agents.start(), ShardedSystem.READY_TIMEOUT);
    double registration = (System.nanoTime() - registering) / 1e9;
    log.event("central-db: %d agents registered in the database in %.1f s", fleet.vms(), registration);

    URI target = URI.create("http://127.0.0.1:" + port);
    new JsonHttp(Duration.ofSeconds(5)).awaitReady(target, ShardedSystem.READY_TIMEOUT);
    List<URI> statements = List.of(target.resolve("/api/v1/bench-counters"),
        URI.create("http://127.0.0.1:" + countersPort + "/counters"));
    Heap heap = new Heap(-1, HeapProbe.liveBytes(broker.pid()));
    return new Started(target, List.of(broker.pid(), postmasterPid()), List.of(), statements, registration,
        fleet.vms() + " agents registered in PostgreSQL", heap);
  }

  /** The PostgreSQL server's process id, from its pid file: its backends are its descendants. */
  private long postmasterPid() throws IOException {
    String first = Files.readAllLines(dir.resolve("postgres").resolve("postmaster.pid")).get(0).strip();
    return Long.parseLong(first);
  }

  @Override
  public void close() throws IOException {
    try {
      for (RoleProcess r : roles) {
        r.stop();
      }
      for (RoleProcess r : roles) {
        r.awaitStopped(Duration.ofSeconds(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }
}
