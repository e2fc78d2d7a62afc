package io.shardbroker.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.cli.local.JsonHttp;
import io.shardbroker.cli.local.LocalCertificates;
import io.shardbroker.cli.local.LocalProcesses;
import io.shardbroker.cli.local.RoleProcess;
import io.shardbroker.cli.local.RunLog;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cluster a chaos run works on, every role a separate process on loopback: 2 sets of 3
 * concentrators, one sim process with the whole fleet, and 2 brokers, each with its own embedded
 * store seeded from one config file (so both know the same users, pools and entitlements).
 *
 * <p>Faults go through {@link #takeDown} and {@link #bringUp}, which count: a process is killed
 * when the first fault takes it down and restarted (same command line, same ports) when the last
 * one lets it up, so overlapping faults (a concentrator crash inside a set outage) compose.
 * Brokers' down times are kept, so the storm can tell a refused connection to a killed broker
 * from one to a broker that should have answered.
 */
final class ChaosCluster {

  static final List<String> SETS = List.of("a", "b");
  static final int CONCENTRATORS_PER_SET = 3;
  static final int BROKERS = 2;
  static final String GROUP = "storm";
  static final String DESKTOP_POOL = "desktop";
  static final String SHARED_POOL = "shared";
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

  /**
   * @param desktops single-user VMs in pool {@value #DESKTOP_POOL}
   * @param sharedHosts multi-session hosts in pool {@value #SHARED_POOL}
   * @param sharedCapacity sessions per shared host
   * @param users users u00001.. in group {@value #GROUP}, entitled to both pools
   * @param requestTimeout the brokers' bound on one session request
   * @param heartbeat the concentrators' heartbeat interval (short: recovery follows it)
   * @param seed the sim's seed
   */
  record Spec(int desktops, int sharedHosts, int sharedCapacity, int users, Duration requestTimeout,
      Duration heartbeat, long seed) {

    int vms() {
      return desktops + sharedHosts;
    }
  }

  private final Spec spec;
  private final Path dir;
  private final LocalProcesses processes;
  private final RunLog out;
  private final JsonHttp http = new JsonHttp(Duration.ofSeconds(30));
  private final Map<String, RoleProcess> roles = new LinkedHashMap<>();
  private final List<URI> brokers = new ArrayList<>();
  private URI sim;
  // Guarded by this.
  private final Map<String, Integer> holds = new HashMap<>();
  private final Map<String, List<long[]>> brokerDownTimes = new HashMap<>();

  ChaosCluster(Spec spec, Path dir, LocalProcesses processes, RunLog out) {
    this.spec = spec;
    this.dir = dir;
    this.processes = processes;
    this.out = out;
  }

  static String user(int i) {
    return String.format(Locale.ROOT, "u%05d", i);
  }

  static String password(String user) {
    return "pw-" + user;
  }

  static String concentratorId(String set, int i) {
    return set + i;
  }

  static String brokerName(int i) {
    return "broker-" + (i + 1);
  }

  static boolean isBroker(String name) {
    return name.startsWith("broker-");
  }

  List<String> concentrators() {
    return SETS.stream().flatMap(s -> concentratorsOf(s).stream()).toList();
  }

  static List<String> concentratorsOf(String set) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= CONCENTRATORS_PER_SET; i++) {
      ids.add(concentratorId(set, i));
    }
    return ids;
  }

  List<URI> brokers() {
    return brokers;
  }

  /** Writes the config files, starts every role and waits until each is ready. */
  void start() throws IOException, InterruptedException {
    StringBuilder topology = new StringBuilder("# written by shardbroker chaos\nversion: 1\nsets:\n");
    for (String set : SETS) {
      topology.append("  - id: ").append(set).append("\n    concentrators:\n");
      for (String id : concentratorsOf(set)) {
        topology.append("      - {id: ").append(id).append(", address: \"127.0.0.1:")
            .append(LocalProcesses.freePort()).append("\"}\n");
      }
    }
    Path topologyFile = Files.writeString(dir.resolve("topology.yaml"), topology);
    Path brokerConfig = Files.writeString(dir.resolve("broker.yaml"), brokerConfig());
    LocalCertificates certificates = LocalCertificates.in(dir.resolve("certs"));

    for (String id : concentrators()) {
      define(id, "256m", true, concat(List.of("concentrator", "--id", id, "--topology", topologyFile.toString(),
          "--heartbeat-interval", spec.heartbeat().toMillis() + "ms"), certificates.concentrator(id)));
    }
    int simPort = LocalProcesses.freePort();
    sim = URI.create("http://127.0.0.1:" + simPort);
    define("sim", "1g", false, concat(List.of("sim", "--topology", topologyFile.toString(),
        "--pools", DESKTOP_POOL + ":" + spec.desktops() + ":1," + SHARED_POOL + ":"
            + spec.sharedHosts() + ":" + spec.sharedCapacity(),
        "--seed", Long.toString(spec.seed()), "--http-port", Integer.toString(simPort)),
        certificates.fleet(List.of(DESKTOP_POOL, SHARED_POOL))));
    for (int i = 0; i < BROKERS; i++) {
      int port = LocalProcesses.freePort();
      brokers.add(URI.create("http://127.0.0.1:" + port));
      define(brokerName(i), "256m", true, concat(List.of("broker", "--id", brokerName(i),
          "--config", brokerConfig.toString(), "--topology", topologyFile.toString(),
          "--http-port", Integer.toString(port), "--data", dir.resolve("data-" + (i + 1)).toString()),
          certificates.broker(brokerName(i))));
    }
    // Concentrators first: the sim is ready only once every agent is attached in every set.
    Map<String, Integer> started = new LinkedHashMap<>();
    for (String id : concentrators()) {
      started.put(id, roles.get(id).start());
    }
    awaitReady(started);
    out.event("cluster: %d concentrators ready; starting the sim (%d VMs) and %d brokers",
        started.size(), spec.vms(), BROKERS);
    started.clear();
    for (RoleProcess p : roles.values()) {
      if (!p.alive()) {
        started.put(p.name(), p.start());
      }
    }
    awaitReady(started);
    awaitBrokersReady();
  }

  /** Waits until every broker's /readyz says it reaches a concentrator. */
  private void awaitBrokersReady() throws InterruptedException {
    for (URI broker : brokers) {
      http.awaitReady(broker, READY_TIMEOUT);
    }
  }

  private void define(String name, String heap, boolean quickStart, List<String> args) {
    roles.put(name, processes.define(name, heap,
        quickStart ? LocalProcesses.Jvm.QUICK_START : LocalProcesses.Jvm.SMALL, args));
  }

  private void awaitReady(Map<String, Integer> started) throws IOException, InterruptedException {
    for (Map.Entry<String, Integer> e : started.entrySet()) {
      roles.get(e.getKey()).awaitReady(e.getValue(), READY_TIMEOUT);
    }
  }

  /** The brokers' config: cheap password hashes (thousands of users sign in), the seed, the bound. */
  private String brokerConfig() {
    StringBuilder yaml = new StringBuilder("""
        # written by shardbroker chaos; both brokers read it, each into its own store
        http: {host: 127.0.0.1}
        store:
          passwordHashing: {memoryKiB: 1024, iterations: 1}
        timeouts:
          request: %dms
          healthInterval: 1s
          rehome: %dms
        seed:
          pools:
            - {name: %s, sessionMode: single}
            - {name: %s, sessionMode: multi}
          groups: [{name: %s}]
          entitlements:
            - {pool: %s, group: %s}
            - {pool: %s, group: %s}
          users:
        """.formatted(spec.requestTimeout().toMillis(), spec.heartbeat().multipliedBy(3).toMillis(), DESKTOP_POOL, SHARED_POOL, GROUP,
        DESKTOP_POOL, GROUP, SHARED_POOL, GROUP));
    for (int i = 1; i <= spec.users(); i++) {
      String user = user(i);
      yaml.append("    - {name: ").append(user).append(", password: ").append(password(user))
          .append(", groups: [").append(GROUP).append("]}\n");
    }
    return yaml.toString();
  }

  // ---- faults ---------------------------------------------------------------------------------

  /** Kills the process (kill -9) unless another fault already holds it down. */
  void takeDown(String name) throws InterruptedException {
    RoleProcess p = role(name);
    synchronized (this) {
      if (holds.merge(name, 1, Integer::sum) > 1) {
        return;
      }
      if (isBroker(name)) {
        brokerDownTimes.computeIfAbsent(name, n -> new ArrayList<>())
            .add(new long[] {System.nanoTime(), Long.MAX_VALUE});
      }
      p.kill();
    }
  }

  /**
   * Lets the process up again: restarts it when no other fault holds it down, and waits until it
   * is ready. Returns the seconds that took, or -1 when it stays down or was taken down again.
   */
  double bringUp(String name) throws IOException, InterruptedException {
    RoleProcess p = role(name);
    int incarnation;
    long began = System.nanoTime();
    synchronized (this) {
      if (holds.merge(name, -1, Integer::sum) > 0) {
        return -1;
      }
      incarnation = p.start();
    }
    if (!p.awaitReady(incarnation, READY_TIMEOUT)) {
      return -1;
    }
    synchronized (this) {
      List<long[]> downs = brokerDownTimes.get(name);
      if (downs != null && holds.getOrDefault(name, 0) == 0) {
        downs.get(downs.size() - 1)[1] = System.nanoTime();
      }
    }
    return (System.nanoTime() - began) / 1e9;
  }

  /** Whether broker {@code i} was down (killed, or restarted but not ready) at any time in [from, to]. */
  synchronized boolean brokerWasDown(int i, long fromNanos, long toNanos) {
    for (long[] down : brokerDownTimes.getOrDefault(brokerName(i), List.of())) {
      if (down[0] <= toNanos && down[1] >= fromNanos) {
        return true;
      }
    }
    return false;
  }

  /** Names of the role processes that are not running now. */
  List<String> notRunning() {
    return roles.values().stream().filter(p -> !p.alive()).map(RoleProcess::name).toList();
  }

  private RoleProcess role(String name) {
    RoleProcess p = roles.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no role process named " + name);
    }
    return p;
  }

  // ---- the sim ---------------------------------------------------------------------------------

  /** The sim's {@code /truth}: every VM as its own desktop saw it, and the violations it counted. */
  JsonNode truth() throws IOException, InterruptedException {
    return http.get(sim.resolve("/truth"), null, null);
  }

  /** Cuts the agent streams of {@code vms} VMs the sim picks from {@code seed}, for {@code forTime}. */
  List<String> drop(int vms, Duration forTime, long seed) throws IOException, InterruptedException {
    JsonNode answer;
    try {
      answer = http.post(sim.resolve("/faults/drop?vms=" + vms + "&forMs=" + forTime.toMillis()
          + "&seed=" + seed));
    } catch (JsonHttp.Refused e) {
      throw new IllegalStateException("the sim does not take stream faults (POST /faults/drop: "
          + e.getMessage() + "); this chaos run needs a sim that does", e);
    }
    List<String> dropped = new ArrayList<>();
    answer.path("dropped").forEach(v -> dropped.add(v.asText()));
    return dropped;
  }

  Path logDir() {
    return processes.logDir();
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }
}
