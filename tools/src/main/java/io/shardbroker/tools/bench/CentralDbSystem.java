package io.shardbroker.tools.bench;

import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.RoleProcess;
import io.shardbroker.tools.run.RunLog;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The central-db comparison system: PostgreSQL (started here, with its data under the work directory), one
 * broker process that keeps every VM in it and claims with {@code FOR UPDATE SKIP LOCKED}, and a
 * fleet process whose agents write their heartbeats into it (see {@code io.shardbroker.tools.centraldb}).
 *
 * <p>PostgreSQL runs with {@code synchronous_commit = off}, as a team tuning for heartbeat load
 * would: commits do not wait for the disk, the data still reaches it within a fraction of a second.
 */
final class CentralDbSystem implements SystemUnderTest {

  private static final Pattern BROKER_URL = Pattern.compile("ready: (http://127\\.0\\.0\\.1:\\d+)");
  private static final Pattern COUNTERS_URL = Pattern.compile("counters at (http://\\S+/counters)");

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

    // Both bind port 0 and name what they got in their ready lines.
    RoleProcess broker = processes.define("central-db-broker", "1g", LocalProcesses.Jvm.SERVER, List.of("bench", "central-db-broker",
        "--jdbc", jdbc, "--users", Integer.toString(users), "--http-port", "0",
        "--silence-limit", heartbeat.multipliedBy(3).toMillis() + "ms"));
    roles.add(broker);
    broker.awaitReady(broker.start(), ShardedSystem.READY_TIMEOUT);
    URI target = URI.create(url(broker, BROKER_URL));

    RoleProcess agents = processes.define("central-db-fleet", "1g", LocalProcesses.Jvm.SERVER, List.of("bench",
        "central-db-fleet", "--jdbc", jdbc, "--vms", Integer.toString(fleet.vms()),
        "--capacity", Integer.toString(fleet.sessionsPerVm()), "--heartbeat", heartbeat.toMillis() + "ms",
        "--counters-port", "0"));
    roles.add(agents);
    long registering = System.nanoTime();
    agents.awaitReady(agents.start(), ShardedSystem.READY_TIMEOUT);
    double registration = (System.nanoTime() - registering) / 1e9;
    log.event("central-db: %d agents registered in the database in %.1f s", fleet.vms(), registration);

    ShardedSystem.awaitReady(target);
    List<URI> statements = List.of(target.resolve("/api/v1/bench-counters"), URI.create(url(agents, COUNTERS_URL)));
    Heap heap = new Heap(-1, HeapProbe.liveBytes(broker.pid()));
    return new Started(target, List.of(broker.pid(), postmasterPid()), List.of(), statements, registration,
        fleet.vms() + " agents registered in PostgreSQL", heap);
  }

  /** The first URL {@code pattern} finds in the ready line of {@code process}. */
  private static String url(RoleProcess process, Pattern pattern) throws IOException {
    Matcher m = pattern.matcher(String.valueOf(process.readyLine()));
    if (!m.find()) {
      throw new IllegalStateException(process.name() + "'s ready line names no address: " + process.readyLine());
    }
    return m.group(1);
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
