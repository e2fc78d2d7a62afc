package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster a chaos run works on, a {@link ProcessCluster}: 2 sets of 3 concentrators, one sim
 * process with the simulated fleet, a few real agent processes ({@link RealAgents}), and 2
 * brokers, each with its own embedded store seeded alike (so both know the same users, pools and
 * entitlements). Real agents are members named by their VM id, so faults take them down alike.
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
  /** What an agent logs when it attaches (ConcentratorLink): the concentrator, then the set. */
  private static final Pattern ATTACHED = Pattern.compile("attached to concentrator (\\S+) of set (\\S+)");

  /**
   * @param desktops single-user VMs in pool {@value #DESKTOP_POOL}
   * @param sharedHosts multi-session hosts in pool {@value #SHARED_POOL}
   * @param sharedCapacity sessions per shared host
   * @param realAgents real agent processes, single-user VMs in pool {@value #DESKTOP_POOL} too
   * @param users users u00001.. in group {@value #GROUP}, entitled to both pools
   * @param requestTimeout the brokers' bound on one session request
   * @param heartbeat the concentrators' heartbeat interval (short: recovery follows it)
   * @param seed the sim's seed
   */
  record Spec(int desktops, int sharedHosts, int sharedCapacity, int realAgents, int users,
      Duration requestTimeout, Duration heartbeat, long seed) {}

  private final Spec spec;
  private final Path dir;
  private final RunLog out;
  private final RealAgents realAgents;
  private ProcessCluster cluster;
  // Guarded by this.
  private final Map<String, Integer> holds = new HashMap<>();
  private final Map<String, List<long[]>> brokerDownTimes = new HashMap<>();

  ChaosCluster(Spec spec, Path dir, RunLog out) {
    this.spec = spec;
    this.dir = dir;
    this.out = out;
    this.realAgents = new RealAgents(dir.resolve("real-agents"), spec.realAgents());
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

  static List<String> concentratorsOf(String set) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= CONCENTRATORS_PER_SET; i++) {
      ids.add(concentratorId(set, i));
    }
    return ids;
  }

  List<URI> brokers() {
    return cluster.brokers();
  }

  /** Starts every role and waits until each is ready and every VM attached. */
  void start() throws IOException, InterruptedException {
    ProcessCluster.Options options = ProcessCluster.Options.defaults(dir.resolve("cluster"), LocalProcesses.productJar())
        .with(new ProcessCluster.Jvm("256m", LocalProcesses.Jvm.QUICK_START),
            new ProcessCluster.Jvm("256m", LocalProcesses.Jvm.QUICK_START), new ProcessCluster.Jvm("1g", LocalProcesses.Jvm.SMALL))
        .withReadyTimeout(READY_TIMEOUT)
        .withProgress(line -> out.event("cluster: %s", line));
    cluster = ProcessCluster.start(clusterSpec(realAgents.write()), options);
    cluster.awaitReady(READY_TIMEOUT);
  }

  /**
   * The roles: the brokers with cheap password hashes (thousands of users sign in), the seed and
   * the request bound; a set may vouch again 3 heartbeats after a member went down.
   */
  private ClusterSpec clusterSpec(List<ClusterSpec.RealAgent> agents) {
    List<User.New> users = new ArrayList<>(spec.users());
    for (int i = 1; i <= spec.users(); i++) {  // user(1) is an admin too: Convergence reads the fleet's views
      users.add(new User.New(user(i), user(i), password(user(i)), true,
          i == 1 ? List.of(GROUP, Group.ADMINS) : List.of(GROUP)));
    }
    Seed seed = new Seed(
        List.of(new Pool(DESKTOP_POOL, DESKTOP_POOL, Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
            new Pool(SHARED_POOL, SHARED_POOL, Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true)),
        List.of(new Group(GROUP, "", List.of()), new Group(Group.ADMINS, "", List.of())), users,
        List.of(new Seed.SeedEntitlement(DESKTOP_POOL, null, GROUP), new Seed.SeedEntitlement(SHARED_POOL, null, GROUP)));
    BrokerSettings.Timeouts d = BrokerSettings.Timeouts.DEFAULTS;
    BrokerSettings.Timeouts timeouts = new BrokerSettings.Timeouts(d.find(), d.start(), d.end(), d.list(),
        spec.requestTimeout(), Duration.ofSeconds(1), d.retryAfter(), spec.heartbeat().multipliedBy(3));
    ClusterSpec.Builder builder = ClusterSpec.builder();
    agents.forEach(builder::agent);
    return builder
        .sets(SETS.size())
        .concentratorsPerSet(CONCENTRATORS_PER_SET)
        .heartbeat(spec.heartbeat())
        .fleet(new SimulatedFleet.Spec(List.of(new SimulatedFleet.PoolSpec(DESKTOP_POOL, spec.desktops(), 1),
            new SimulatedFleet.PoolSpec(SHARED_POOL, spec.sharedHosts(), spec.sharedCapacity())),
            SimulatedSessionHost.Settings.DEFAULTS, spec.seed()))
        .brokers(BROKERS)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed).withPasswordHashing(new PasswordHashing(1024, 1, 1))
            .withTimeouts(timeouts))
        .build();
  }

  // ---- faults ---------------------------------------------------------------------------------

  /** Kills the process (kill -9) unless another fault already holds it down. */
  void takeDown(String name) throws InterruptedException {
    synchronized (this) {
      if (holds.merge(name, 1, Integer::sum) > 1) {
        return;
      }
      if (isBroker(name)) {
        brokerDownTimes.computeIfAbsent(name, n -> new ArrayList<>())
            .add(new long[] {System.nanoTime(), Long.MAX_VALUE});
      }
      cluster.kill(name);
    }
  }

  /**
   * Lets the process up again: restarts it when no other fault holds it down, and waits until it
   * is ready. Returns the seconds that took, or -1 when it stays down or was taken down again.
   */
  double bringUp(String name) throws InterruptedException {
    long began = System.nanoTime();
    int incarnation;
    synchronized (this) {
      if (holds.merge(name, -1, Integer::sum) > 0) {
        return -1;
      }
      incarnation = cluster.startAgain(name);
    }
    if (!cluster.awaitStarted(name, incarnation)) {
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
    return cluster.notRunning();
  }

  // ---- the truth -------------------------------------------------------------------------------

  /**
   * Every VM as its own desktop saw it: the sim's record (with the violations it counted), and
   * among its {@code vms} the real agents' VMs, marked {@code "realAgent": true}, from their own
   * record (see {@link RealAgents}).
   *
   * @throws IOException when a real VM's record cannot be read now (a file half written)
   */
  JsonNode truth() throws IOException {
    ObjectNode truth = JsonHttp.JSON.valueToTree(cluster.fleet());
    ArrayNode vms = (ArrayNode) truth.path("vms");
    for (RealAgents.Vm vm : realAgents.read()) {
      vms.add(vm.truth(attachments(vm.vmId())));
    }
    return truth;
  }

  /** The real agents' VMs, as their own record has them now. */
  List<RealAgents.Vm> realVms() throws IOException {
    return realAgents.read();
  }

  /** The real agents' VM ids, which are their member names. */
  List<String> realAgents() {
    return realAgents.vmIds();
  }

  /** How many sessions real VM {@code vmId} runs now, or -1 when that cannot be read. */
  int sessionsOn(String vmId) {
    return realAgents.sessionsOn(vmId);
  }

  /** Set id -> the concentrator a real agent last said it attached to there, from its log. */
  private Map<String, String> attachments(String vmId) throws IOException {
    Map<String, String> attached = new HashMap<>();
    Matcher m = ATTACHED.matcher(cluster.log(vmId));
    while (m.find()) {
      attached.put(m.group(2), m.group(1));
    }
    return attached;
  }

  /** Cuts the agent streams of {@code vms} VMs the sim picks from {@code seed}, for {@code forTime}. */
  List<String> drop(int vms, Duration forTime, long seed) {
    return cluster.cutNetwork(vms, forTime, seed);
  }

  Path logDir() {
    return cluster.logDir();
  }

  /** Stops every process. */
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }
}
