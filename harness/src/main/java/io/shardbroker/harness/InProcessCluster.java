package io.shardbroker.harness;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.display.DisplayRelay;
import io.shardbroker.agent.host.ExecSessionHost;
import io.shardbroker.agent.host.vnc.VncDesktops;
import io.shardbroker.agent.host.vnc.VncHostSettings;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.broker.BrokerServer;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Cluster} with every role in this JVM, on the clock and scheduler given: a manual clock
 * makes heartbeats, sweeps, timeouts and reconnects happen only when a test advances it. The
 * links are in-process gRPC or loopback sockets ({@link InProcessLinks}); brokers' HTTP APIs are
 * always real, on 127.0.0.1.
 *
 * <p>Each broker has a store of its own (in memory, or under {@code dataDir} when given) seeded
 * alike, or all share the spec's PostgreSQL URL. A killed broker keeps its store, as a process
 * keeps its database; a killed concentrator starts empty again and warms up.
 *
 * <p>{@link #pause} works for concentrators (their calls are held, as by a frozen process);
 * brokers and the simulated fleet cannot be paused or killed in this JVM: use a
 * {@link ProcessCluster} for that.
 */
public final class InProcessCluster implements Cluster {

  private static final Logger log = LoggerFactory.getLogger(InProcessCluster.class);

  private final ClusterSpec spec;
  private final InProcessLinks links;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Path dataDir;
  private final boolean ownsScheduler;
  private final String memoryStores = "cluster-" + UUID.randomUUID();
  // Guarded by this.
  private Membership membership;
  private final Map<String, ConcentratorServer> concentrators = new LinkedHashMap<>();
  private final Map<String, PausableCalls> gates = new LinkedHashMap<>();
  private final Map<String, PrometheusMeterRegistry> concentratorMeters = new LinkedHashMap<>();
  private final Map<String, Store> stores = new LinkedHashMap<>();
  private final Map<String, BrokerServer> brokers = new LinkedHashMap<>();
  private final Map<String, Integer> brokerPorts = new LinkedHashMap<>();
  private final List<Agent> realAgents = new ArrayList<>();
  private final List<VncDesktops> desktopsOf = new ArrayList<>();
  private final List<ChannelSource> channelSources = new ArrayList<>();
  private SimulatedFleet fleet;

  private InProcessCluster(
      ClusterSpec spec, InProcessLinks links, Clock clock, ScheduledExecutorService scheduler, Path dataDir,
      boolean ownsScheduler) {
    this.spec = spec;
    this.links = links;
    this.clock = clock;
    this.scheduler = scheduler;
    this.dataDir = dataDir;
    this.ownsScheduler = ownsScheduler;
  }

  /** Two daemon threads for the roles' timers, so that they never hold up the JVM's exit. */
  private static ScheduledExecutorService timers() {
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "cluster-timer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);  // cancelled timeouts must not pile up
    return executor;
  }

  /**
   * Starts every member; returns once each serves (agents attach in the background: see
   * {@link #awaitReady}).
   *
   * @param clock every role's clock
   * @param scheduler runs every role's timers; null: the cluster makes its own, of two daemon
   *     threads, and stops it when it closes
   * @param dataDir where brokers keep embedded stores; null keeps them in memory
   */
  public static InProcessCluster start(
      ClusterSpec spec, InProcessLinks links, Clock clock, ScheduledExecutorService scheduler, Path dataDir) {
    InProcessCluster cluster = scheduler != null
        ? new InProcessCluster(spec, links, clock, scheduler, dataDir, false)
        : new InProcessCluster(spec, links, clock, timers(), dataDir, true);
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private synchronized void startAll() {
    membership = new Membership(spec, links::address);
    Topology topology = membership.topology();
    // They start with the fleet: no agent is on its way back, so no warm-up.
    membership.concentrators().forEach(id -> startConcentrator(id, Duration.ZERO));
    for (String name : spec.brokerNames()) {
      stores.put(name, openStore(name));
      startBroker(name);
    }
    if (spec.simulates()) {
      ChannelSource channels = links.fleetChannels(
          spec.fleet().pools().stream().map(SimulatedFleet.PoolSpec::pool).toList());
      channelSources.add(channels);
      fleet = new SimulatedFleet(spec.fleet(), topology, channels, scheduler, clock);
      fleet.start();
    }
    for (ClusterSpec.RealAgent a : spec.agents()) {
      ChannelSource channels = links.agentChannels(a.vmId());
      channelSources.add(channels);
      AgentSettings settings = new AgentSettings(a.vmId(), a.pool(), a.capacity(), topology);
      Agent agent = a.vnc() ? vncAgent(a, settings, channels)
          : new Agent(settings, new ExecSessionHost(new ExecSessionHost.Settings(a.startCommand(), a.endCommand(),
              Duration.ofSeconds(60), "rdp", null).withList(a.listCommand(),
              ExecSessionHost.Settings.LIST_INTERVAL_DEFAULT)), channels, scheduler, clock, new SecureRandom());
      realAgents.add(agent);
      agent.start();
    }
  }

  /**
   * The desktops' session command here: a terminal whose shell reads no startup files, so that
   * what the account running the tests or the demo keeps in its dotfiles (a slow or hanging
   * .bashrc) cannot hold the prompt up.
   */
  private static final List<String> TERMINAL = List.of("/bin/sh", "-c",
      "twm >/dev/null 2>&1 & exec xterm -geometry 100x30+20+20 -e /bin/bash --noprofile --norc");

  /**
   * An agent of real Xvnc desktops, in a directory of its own under the cluster's (its sessions
   * end with the cluster), its display relay on 127.0.0.1 with TLS when the links have it.
   */
  private Agent vncAgent(ClusterSpec.RealAgent a, AgentSettings settings, ChannelSource channels) {
    try {
      Path directory = dataDir != null ? dataDir.resolve("agent-" + a.vmId())
          : Files.createTempDirectory("shardbroker-" + a.vmId() + "-");
      VncDesktops desktops = new VncDesktops(VncHostSettings.defaults(directory.resolve("vnc"))
          .withSessionCommand(TERMINAL).withEndSessionsOnClose(true), clock, new SecureRandom());
      desktopsOf.add(desktops);
      Agent agent = new Agent(settings, desktops.host(), channels, scheduler, clock, new SecureRandom());
      LinkSecurity security = links.agentSecurity(a.vmId());
      desktops.startRelay(new DisplayRelay.Settings(InetAddress.getLoopbackAddress(), 0),
          security.plaintext() ? null : JsseTls.context(security.credentials(), Set.of(Role.BROKER)),
          InetAddress.getLoopbackAddress().getHostAddress(), agent::admit, agent.displayActivity());
      return agent;
    } catch (IOException e) {
      throw new UncheckedIOException("the desktops of " + a.vmId() + " cannot start", e);
    }
  }

  private void startConcentrator(String id, Duration warmUp) {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PausableCalls gate = new PausableCalls();
    try {
      ConcentratorServer server = new ConcentratorServer(
          ConcentratorSettings.defaults(id, membership.setOf(id), membership.topology())
              .withHeartbeatInterval(spec.heartbeat())
              .withWarmUp(warmUp),
          links.concentratorServer(id).intercept(gate), clock, scheduler, meters).start();
      concentrators.put(id, server);
      gates.put(id, gate);
      concentratorMeters.put(id, meters);
    } catch (IOException e) {
      throw new UncheckedIOException("concentrator " + id + " cannot start", e);
    }
  }

  private Store openStore(String broker) {
    ClusterSpec.BrokerSpec b = spec.broker();
    StoreSettings settings;
    if (b.storeUrl() != null) {
      settings = StoreSettings.of(b.storeUrl(), b.storeUser(), null);
    } else if (dataDir != null) {
      settings = StoreSettings.embedded(spec.brokers() == 1 ? dataDir : dataDir.resolve(broker));
    } else {
      settings = StoreSettings.of("jdbc:h2:mem:" + memoryStores + "-" + broker + ";DB_CLOSE_DELAY=-1", null, null);
    }
    Store store = Store.open(settings.withPasswordHashing(b.passwordHashing()), clock);
    try {
      store.apply(b.seed(), new Actor("seed", broker));
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private void startBroker(String name) {
    ClusterSpec.BrokerSpec b = spec.broker();
    int port = brokerPorts.computeIfAbsent(name, n ->
        n.equals(spec.brokerNames().get(0)) && b.firstHttpPort() != 0 ? b.firstHttpPort() : links.ports().hold());
    BrokerSettings settings = BrokerSettings.of(name, "127.0.0.1", port, membership.topology())
        .withHttpReusePort(port != b.firstHttpPort())
        .withTimeouts(b.timeouts())
        .withCandidateSearch(b.candidateSearch());
    settings = settings.withSecurity(settings.security().withSignIn(
        settings.security().signIn().withNotice(b.signInNotice())).withLinks(links.brokerSecurity(name)));
    brokers.put(name, new BrokerServer(settings, stores.get(name), links.brokerChannels(name), scheduler, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start());
  }

  @Override
  public ClusterSpec spec() {
    return spec;
  }

  @Override
  public synchronized Topology topology() {
    return membership.topology();
  }

  @Override
  public synchronized List<String> concentrators() {
    return membership.concentrators();
  }

  @Override
  public synchronized List<URI> brokers() {
    return spec.brokerNames().stream().map(n -> URI.create("http://127.0.0.1:" + brokerPorts.get(n))).toList();
  }

  /** The running broker named {@code name}, for tests that look inside it. */
  public synchronized BrokerServer broker(String name) {
    return require(brokers, name);
  }

  /** The running concentrator {@code id}. */
  public synchronized ConcentratorServer concentrator(String id) {
    return require(concentrators, id);
  }

  /** The meters of concentrator {@code id} (its latest incarnation). */
  public synchronized PrometheusMeterRegistry concentratorMeters(String id) {
    return require(concentratorMeters, id);
  }

  /** The store of broker {@code name}. */
  public synchronized Store store(String name) {
    return require(stores, name);
  }

  /** The simulated fleet, for tests that look at its agents. */
  public synchronized SimulatedFleet simulatedFleet() {
    if (fleet == null) {
      throw new IllegalStateException("this cluster simulates no VMs");
    }
    return fleet;
  }

  private static <T> T require(Map<String, T> members, String name) {
    T member = members.get(name);
    if (member == null) {
      throw new IllegalArgumentException("no running member named " + name + "; running: " + members.keySet());
    }
    return member;
  }

  /** Agent links attached now, simulated and real. */
  public synchronized int attachedLinks() {
    return (fleet == null ? 0 : fleet.attachedLinks())
        + realAgents.stream().mapToInt(Agent::attachedSets).sum();
  }

  @Override
  public synchronized boolean ready() {
    return attachedLinks() == spec.expectedLinks()
        && brokers.size() == spec.brokers() && brokers.values().stream().allMatch(BrokerServer::ready);
  }

  @Override
  public void awaitReady(Duration timeout) throws InterruptedException {
    long giveUp = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      if (System.nanoTime() > giveUp) {
        throw new IllegalStateException("the cluster is not ready after " + timeout.toSeconds() + " s: "
            + attachedLinks() + " of " + spec.expectedLinks() + " agent links attached, brokers ready: "
            + brokersReady());
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  private synchronized Map<String, Boolean> brokersReady() {
    Map<String, Boolean> ready = new LinkedHashMap<>();
    brokers.forEach((name, b) -> ready.put(name, b.ready()));
    return ready;
  }

  @Override
  public void kill(String member) {
    AutoCloseable stopped;
    synchronized (this) {
      if (concentrators.containsKey(member)) {
        stopped = concentrators.remove(member);
        gates.remove(member);
      } else if (brokers.containsKey(member)) {
        stopped = brokers.remove(member);
      } else {
        throw unsupported("kill", member);
      }
    }
    log.info("cluster: killing {}", member);
    try {
      stopped.close();
    } catch (Exception e) {
      log.warn("cluster: {} did not stop cleanly: {}", member, e.toString());
    }
  }

  @Override
  public void restart(String member) {
    synchronized (this) {
      if (concentrators.containsKey(member) || brokers.containsKey(member)) {
        throw new IllegalStateException(member + " is running; kill it first");
      }
      if (membership.isConcentrator(member)) {
        startConcentrator(member, ConcentratorSettings.defaultWarmUp(spec.heartbeat()));
      } else if (stores.containsKey(member)) {
        startBroker(member);
      } else {
        throw unsupported("restart", member);
      }
    }
    log.info("cluster: {} started again", member);
  }

  @Override
  public void pause(String member) {
    gate(member).pause();
  }

  @Override
  public void resume(String member) {
    gate(member).resume();
  }

  private synchronized PausableCalls gate(String member) {
    PausableCalls gate = gates.get(member);
    if (gate == null) {
      throw unsupported("pause", member);
    }
    return gate;
  }

  private IllegalArgumentException unsupported(String what, String member) {
    return new IllegalArgumentException("cannot " + what + " '" + member + "' in this JVM: concentrators "
        + concentrators() + " and brokers " + spec.brokerNames() + " can be killed and restarted, "
        + "concentrators paused; use a ProcessCluster for the rest");
  }

  @Override
  public synchronized boolean running(String member) {
    return concentrators.containsKey(member) || brokers.containsKey(member)
        || member.equals(SIM) && fleet != null
        || realAgents.stream().anyMatch(a -> a.vmId().equals(member));
  }

  @Override
  public void addConcentrator(String set, String id) {
    List<ConcentratorServer> told;
    List<BrokerServer> brokersTold;
    Topology next;
    synchronized (this) {
      next = membership.add(set, id);
      startConcentrator(id, ConcentratorSettings.defaultWarmUp(spec.heartbeat()));
      told = List.copyOf(concentrators.values());
      brokersTold = List.copyOf(brokers.values());
    }
    told.forEach(c -> c.updateTopology(next));
    brokersTold.forEach(b -> b.updateTopology(next));
  }

  @Override
  public FleetRecord fleet() {
    SimulatedFleet simulated = simulatedFleet();
    var report = simulated.ledger().report();
    return new FleetRecord(simulated.truth(), attachedLinks(), spec.expectedLinks(), report.violations(),
        report.sessionsStarted(), report.sessionsEnded());
  }

  @Override
  public Optional<String> connect(String vmId, String ticket, String user) {
    return simulatedFleet().admit(vmId, ticket, user);
  }

  @Override
  public List<String> cutNetwork(int vms, Duration outage, long seed) {
    return simulatedFleet().dropLinks(vms, outage, seed);
  }

  /**
   * Stops everything: clients before servers, so nothing is asked of a server already gone, and
   * each store after its broker, so it writes the history the broker queued.
   */
  @Override
  public void close() {
    List<AutoCloseable> order = new ArrayList<>();
    synchronized (this) {
      order.addAll(brokers.values());
      order.addAll(stores.values());
      if (fleet != null) {
        order.add(fleet);
      }
      order.addAll(realAgents);
      order.addAll(desktopsOf);
      order.addAll(channelSources);
      order.addAll(concentrators.values());
      order.add(links);
      if (ownsScheduler) {
        order.add(scheduler::shutdownNow);
      }
      brokers.clear();
      concentrators.clear();
    }
    for (AutoCloseable c : order) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("cluster: while stopping: {}", e.toString());
      }
    }
  }
}
