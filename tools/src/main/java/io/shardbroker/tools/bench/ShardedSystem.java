package io.shardbroker.tools.bench;

import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * shardbroker as it is meant to run: {@code sets} sets of {@code perSet} concentrators, one
 * broker, and the fleet in one sim process whose agents attach to one concentrator in every set,
 * all separate processes of a {@link ProcessCluster}. With one set of one concentrator it is the
 * "one concentrator" baseline (no sharding). The broker searches a set for candidates as
 * {@code search} says (broadcast, or sampled for {@code bench choice}).
 *
 * <p>Concentrators start without a warm-up (a fresh cluster has no sessions to forget). Users get
 * Argon2id's lowest cost, as in the central-db system: the storm measures brokering, not password
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
  private final RunLog log;
  private boolean plaintext;  // set before start
  private ProcessCluster cluster;

  ShardedSystem(String name, int sets, int perSet, CandidateSearch search, Fleet fleet, int users,
      Heartbeats heartbeats, Path dir, RunLog log) {
    this.name = name;
    this.sets = sets;
    this.perSet = perSet;
    this.search = search;
    this.fleet = fleet;
    this.users = users;
    this.heartbeats = heartbeats;
    this.dir = dir;
    this.log = log;
  }

  /** This system with plain-text gRPC links ({@code --insecure}) instead of mutual TLS; for comparison only. */
  ShardedSystem plaintext() {
    plaintext = true;
    return this;
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
    // Heap for the agents' streams and buffers: about 40 KiB a VM, at least 1 GiB.
    long simHeapMiB = Math.max(1024, fleet.vms() * 40L / 1024);
    ProcessCluster.Options options = ProcessCluster.Options.defaults(dir.resolve("cluster"), LocalProcesses.productJar())
        .with(new ProcessCluster.Jvm("1g", LocalProcesses.Jvm.SERVER), new ProcessCluster.Jvm("1g", LocalProcesses.Jvm.SERVER),
            new ProcessCluster.Jvm(simHeapMiB + "m", LocalProcesses.Jvm.LOW_PAUSE))
        .withConcentratorArgs(List.of("--max-heartbeat-rate", Integer.toString(heartbeats.ratePerConcentrator())))
        .withReadyTimeout(READY_TIMEOUT)
        .withProgress(line -> log.event("%s: %s", name, line));
    cluster = ProcessCluster.start(spec(), options);
    URI target = cluster.brokers().get(0);
    cluster.awaitReady(READY_TIMEOUT);
    double registration = cluster.fleetAttachTime().toMillis() / 1000.0;
    log.event("%s: %d agents attached in %d set(s) in %.1f s (the fleet's JVM start included)", name, fleet.vms(),
        sets, registration);
    List<Long> pids = new ArrayList<>();
    pids.add(cluster.pid("broker-1"));
    cluster.concentrators().forEach(c -> pids.add(cluster.pid(c)));
    List<URI> metrics = cluster.concentrators().stream().map(cluster::metrics).toList();
    return new Started(target, pids, metrics, List.of(), registration,
        fleet.vms() + " agents attached in " + sets + (sets == 1 ? " set" : " sets"), heap());
  }

  private ClusterSpec spec() {
    List<User.New> accounts = new ArrayList<>(users);
    for (int i = 1; i <= users; i++) {
      String user = StormLoad.user(i);
      accounts.add(new User.New(user, user, StormLoad.password(user), true, List.of("storm")));
    }
    // Shared hosts take several users.
    Pool pool = new Pool(Fleet.POOL, Fleet.POOL, Pool.Kind.FLOATING,
        fleet.sessionsPerVm() > 1 ? Pool.SessionMode.MULTI : Pool.SessionMode.SINGLE, "rdp", true);
    Seed seed = new Seed(List.of(pool), List.of(new Group("storm", "", List.of())), accounts,
        List.of(new Seed.SeedEntitlement(Fleet.POOL, null, "storm")));
    return ClusterSpec.builder()
        .sets(sets)
        .concentratorsPerSet(perSet)
        .heartbeat(heartbeats.interval())
        .fleet(new SimulatedFleet.Spec(List.of(new SimulatedFleet.PoolSpec(Fleet.POOL, fleet.vms(),
            fleet.sessionsPerVm())), SimulatedSessionHost.Settings.DEFAULTS, 1))
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed).withPasswordHashing(CentralDbBrokerCommand.CHEAPEST)
            .withCandidateSearch(search))
        .plaintext(plaintext)
        .build();
  }

  /** The heap figures once registered: every VM is attached to one concentrator per set. */
  private Heap heap() throws InterruptedException {
    double bytes = 0;
    for (String c : cluster.concentrators()) {
      long live = HeapProbe.liveBytes(cluster.pid(c));
      if (live < 0) {
        return new Heap(-1, HeapProbe.liveBytes(cluster.pid("broker-1")));
      }
      bytes += live;
    }
    return new Heap(bytes / ((double) fleet.vms() * sets), HeapProbe.liveBytes(cluster.pid("broker-1")));
  }

  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Waits until the broker at {@code target} says it is ready. */
  static void awaitReady(URI target) throws InterruptedException {
    new JsonHttp(Duration.ofSeconds(5)).awaitReady(target, READY_TIMEOUT);
  }
}
