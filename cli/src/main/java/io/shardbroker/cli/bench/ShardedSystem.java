package io.shardbroker.cli.bench;

import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.cli.local.JsonHttp;
import io.shardbroker.cli.local.LocalCertificates;
import io.shardbroker.cli.local.LocalProcesses;
import io.shardbroker.cli.local.RoleProcess;
import io.shardbroker.cli.local.RunLog;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * shardbroker as it is meant to run: {@code sets} sets of {@code perSet} concentrators, one
 * broker, and the fleet in one sim process whose agents attach to one concentrator in every set.
 * With one set of one concentrator it is the "one concentrator" baseline (no sharding). The broker
 * searches a set for candidates as {@code search} says (broadcast, or sampled for {@code bench choice}).
 *
 * <p>Concentrators start without a warm-up (a fresh cluster has no sessions to forget). Users get
 * Argon2id's lowest cost, as in the central-db baseline: the storm measures brokering, not password
 * hashing, which any design pays alike per sign-in.
 */
final class ShardedSystem implements SystemUnderTest {

  static final Duration READY_TIMEOUT = Duration.ofMinutes(10);

  private final String name;
  private final int sets;
  private final int perSet;
  private final CandidateSearch search;
  private final Fleet fleet;
  private final int users;
  private final Heartbeats heartbeats;
  private final Path dir;
  private final LocalProcesses processes;
  private final RunLog log;
  private boolean plaintext;  // set before start

  ShardedSystem(String name, int sets, int perSet, CandidateSearch search, Fleet fleet, int users,
      Heartbeats heartbeats, Path dir, LocalProcesses processes, RunLog log) {
    this.name = name;
    this.sets = sets;
    this.perSet = perSet;
    this.search = search;
    this.fleet = fleet;
    this.users = users;
    this.heartbeats = heartbeats;
    this.dir = dir;
    this.processes = processes;
    this.log = log;
  }

  /** This system with plain-text gRPC links ({@code --insecure}) instead of mutual TLS; for comparison only. */
  ShardedSystem plaintext() {
    plaintext = true;
    return this;
  }

  /** The {@code --tls-*} flags of a role, or {@code --insecure} for a plain-text system. */
  private List<String> links(List<String> tlsFlags) {
    return plaintext ? List.of("--insecure") : tlsFlags;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String describe() {
    return sets + (sets == 1 ? " set" : " sets") + " x " + perSet
        + (perSet == 1 ? " concentrator" : " concentrators") + ", 1 broker"
        + (search.sampled() ? ", candidate search " + search : "") + (plaintext ? ", plain-text links" : "");
  }

  @Override
  public Started start() throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path topology = Files.writeString(dir.resolve("topology.yaml"), topology());
    Path brokerConfig = dir.resolve("broker.yaml");
    writeBrokerConfig(brokerConfig);
    LocalCertificates certificates = LocalCertificates.in(dir.resolve("certs"));

    List<RoleProcess> concentrators = new ArrayList<>();
    List<URI> metrics = new ArrayList<>();
    for (int s = 0; s < sets; s++) {
      for (int c = 1; c <= perSet; c++) {
        String id = setId(s) + c;
        int metricsPort = LocalProcesses.freePort();
        metrics.add(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"));
        List<String> args = new ArrayList<>(List.of("concentrator", "--id", id, "--topology", topology.toString(),
            "--metrics-port", Integer.toString(metricsPort), "--warm-up", "0s"));
        args.addAll(heartbeats.concentratorOptions());
        args.addAll(links(certificates.concentrator(id)));
        concentrators.add(processes.define(name + "-" + id, "1g", LocalProcesses.Jvm.SERVER, args));
      }
    }
    List<Integer> incarnations = new ArrayList<>();
    for (RoleProcess p : concentrators) {
      incarnations.add(p.start());
    }
    for (int i = 0; i < concentrators.size(); i++) {
      concentrators.get(i).awaitReady(incarnations.get(i), READY_TIMEOUT);
    }

    int brokerPort = LocalProcesses.freePort();
    List<String> brokerArgs = new ArrayList<>(List.of("broker",
        "--id", "bench-broker", "--config", brokerConfig.toString(), "--topology", topology.toString(),
        "--http-port", Integer.toString(brokerPort), "--data", dir.resolve("broker-data").toString()));
    brokerArgs.addAll(links(certificates.broker("bench-broker")));
    RoleProcess broker = processes.define(name + "-broker", "1g", LocalProcesses.Jvm.SERVER, brokerArgs);
    // The broker seeds its users first, so that the fleet's registration has the cores to itself.
    broker.awaitReady(broker.start(), READY_TIMEOUT);
    URI target = URI.create("http://127.0.0.1:" + brokerPort);
    new JsonHttp(Duration.ofSeconds(5)).awaitReady(target, READY_TIMEOUT);

    // Heap for the agents' streams and buffers: about 40 KiB a VM, at least 1 GiB.
    long simHeapMiB = Math.max(1024, fleet.vms() * 40L / 1024);
    List<String> simArgs = new ArrayList<>(List.of("sim",
        "--topology", topology.toString(), "--pools", fleet.simPools(), "--seed", "1"));
    simArgs.addAll(links(certificates.fleet(List.of(Fleet.POOL))));
    RoleProcess sim = processes.define(name + "-sim", simHeapMiB + "m", LocalProcesses.Jvm.LOW_PAUSE, simArgs);
    long registering = System.nanoTime();
    sim.awaitReady(sim.start(), READY_TIMEOUT);
    double registration = (System.nanoTime() - registering) / 1e9;
    log.event("%s: %d agents attached in %d set(s) in %.1f s (the fleet's JVM start included)", name, fleet.vms(),
        sets, registration);
    List<Long> pids = new ArrayList<>();
    pids.add(broker.pid());
    concentrators.forEach(p -> pids.add(p.pid()));
    return new Started(target, pids, metrics, List.of(), registration,
        fleet.vms() + " agents attached in " + sets + (sets == 1 ? " set" : " sets"), heap(broker, concentrators));
  }

  /** The heap figures once registered: every VM is attached to one concentrator per set. */
  private Heap heap(RoleProcess broker, List<RoleProcess> concentrators) throws InterruptedException {
    double bytes = 0;
    for (RoleProcess c : concentrators) {
      long live = HeapProbe.liveBytes(c.pid());
      if (live < 0) {
        return new Heap(-1, HeapProbe.liveBytes(broker.pid()));
      }
      bytes += live;
    }
    return new Heap(bytes / ((double) fleet.vms() * sets), HeapProbe.liveBytes(broker.pid()));
  }

  private static String setId(int s) {
    return String.valueOf((char) ('a' + s));
  }

  private String topology() throws IOException {
    StringBuilder yaml = new StringBuilder("# written by shardbroker bench storm\nversion: 1\nsets:\n");
    for (int s = 0; s < sets; s++) {
      yaml.append("  - id: ").append(setId(s)).append("\n    concentrators:\n");
      for (int c = 1; c <= perSet; c++) {
        yaml.append("      - {id: ").append(setId(s)).append(c).append(", address: \"127.0.0.1:")
            .append(LocalProcesses.freePort()).append("\"}\n");
      }
    }
    return yaml.toString();
  }

  private void writeBrokerConfig(Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("""
          # written by shardbroker bench storm
          http: {host: 127.0.0.1}
          store:
            passwordHashing: {memoryKiB: 8, iterations: 1}
          seed:
            pools:
              - {name: desktop, sessionMode: %s}
            groups: [{name: storm}]
            entitlements:
              - {pool: desktop, group: storm}
            users:
          """.formatted(fleet.sessionsPerVm() > 1 ? "multi" : "single"));  // shared hosts take several users
      for (int i = 1; i <= users; i++) {
        String user = StormLoad.user(i);
        w.write("    - {name: " + user + ", password: " + StormLoad.password(user) + ", groups: [storm]}\n");
      }
      w.write("candidateSearch: {mode: " + search.mode() + ", asked: " + search.asked() + "}\n");
    }
  }
}
