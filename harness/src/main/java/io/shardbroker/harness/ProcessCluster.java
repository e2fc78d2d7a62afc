package io.shardbroker.harness;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.host.vnc.VncSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.Identity;
import io.shardbroker.security.LinkSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A {@link Cluster} of separate processes on this machine, every role started from the product
 * jar with the command line and config files an operator would use, over mutual TLS with
 * certificates of a CA made in the work directory.
 *
 * <p>Ports: concentrators and brokers listen on ports this cluster holds from start to close
 * ({@link HeldPorts}), so a killed member comes back where everyone expects it; everything else
 * binds port 0 and says in its ready line what it got. No port is drawn and handed on.
 *
 * <p>Start order: concentrators; then brokers (which seed their stores, one after another when
 * they share one); then the simulated fleet and real agents, which attach. Every process's
 * stdout and stderr are kept under {@code dir/logs}, every incarnation's after the last.
 */
public final class ProcessCluster implements Cluster {

  private static final Pattern TRUTH_URL = Pattern.compile("(http://\\S+)/truth");
  private static final Pattern METRICS_URL = Pattern.compile("metrics (http://\\S+/metrics)");
  private static final Pattern ATTACHED = Pattern.compile("attached to concentrator \\S+ of set (\\S+)");
  private static final String HOST = "127.0.0.1";

  /** How a kind of role process is run: its heap and JVM set-up. */
  public record Jvm(String heap, LocalProcesses.Jvm profile) {}

  /**
   * How this cluster runs its processes.
   *
   * @param dir where config files, certificates, stores and logs go; emptied first when an earlier
   *     cluster left it, refused when it holds anything else
   * @param jar the product jar
   * @param concentrators, brokers, sim, agents how each kind of process is run
   * @param concentratorArgs more arguments for every concentrator (e.g. heartbeat pacing)
   * @param readyTimeout how long a process may take to say it is ready
   * @param progress told of each step of a start, for a run's own output
   */
  public record Options(
      Path dir, Path jar, Jvm concentrators, Jvm brokers, Jvm sim, Jvm agents, List<String> concentratorArgs,
      Duration readyTimeout, Consumer<String> progress) {

    /** Small, quickly started JVMs: for tests and the chaos run. */
    public static Options defaults(Path dir, Path jar) {
      return new Options(dir, jar, new Jvm("256m", LocalProcesses.Jvm.QUICK_START),
          new Jvm("256m", LocalProcesses.Jvm.QUICK_START), new Jvm("512m", LocalProcesses.Jvm.SMALL),
          new Jvm("128m", LocalProcesses.Jvm.QUICK_START), List.of(), Duration.ofMinutes(3), line -> { });
    }

    public Options with(Jvm newConcentrators, Jvm newBrokers, Jvm newSim) {
      return new Options(dir, jar, newConcentrators, newBrokers, newSim, agents, concentratorArgs, readyTimeout,
          progress);
    }

    public Options withConcentratorArgs(List<String> args) {
      return new Options(dir, jar, concentrators, brokers, sim, agents, List.copyOf(args), readyTimeout, progress);
    }

    public Options withReadyTimeout(Duration timeout) {
      return new Options(dir, jar, concentrators, brokers, sim, agents, concentratorArgs, timeout, progress);
    }

    public Options withProgress(Consumer<String> out) {
      return new Options(dir, jar, concentrators, brokers, sim, agents, concentratorArgs, readyTimeout, out);
    }
  }

  private final ClusterSpec spec;
  private final Options options;
  private final LocalProcesses processes;
  private final LocalCertificates certificates;
  private final HeldPorts ports;
  private final JsonHttp http = new JsonHttp(Duration.ofSeconds(30));
  private final Path topologyFile;
  private final Path brokerConfig;
  // Guarded by this.
  private Membership membership;
  private final Map<String, RoleProcess> members = new LinkedHashMap<>();
  private final Map<String, Integer> listenPorts = new LinkedHashMap<>();
  private URI truth;
  private Duration fleetAttachTime = Duration.ZERO;

  private ProcessCluster(ClusterSpec spec, Options options) throws IOException {
    this.spec = spec;
    this.options = options;
    ClusterFiles.prepare(options.dir());
    this.processes = new LocalProcesses(options.jar(), options.dir().resolve("logs"));
    this.certificates = spec.plaintext() ? null : LocalCertificates.in(options.dir().resolve("certs"));
    this.ports = new HeldPorts(InetAddress.getByName(HOST));
    this.topologyFile = options.dir().resolve("topology.yaml");
    this.brokerConfig = options.dir().resolve("broker.yaml");
  }

  /** Starts every member and returns once each says it is ready (see {@link #awaitReady} for all attached). */
  public static ProcessCluster start(ClusterSpec spec, Options options) throws IOException, InterruptedException {
    ProcessCluster cluster = new ProcessCluster(spec, options);
    try {
      cluster.startAll();
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() throws IOException, InterruptedException {
    List<String> concentrators;
    synchronized (this) {
      membership = new Membership(spec, this::hold);
      ClusterFiles.writeTopology(topologyFile, membership.topology());
      concentrators = membership.concentrators();
    }
    ClusterFiles.writeBroker(brokerConfig, spec.broker());

    for (String id : concentrators) {
      // They start before the fleet: no agent is on its way back, so no warm-up.
      define(id, options.concentrators(), concentratorArgs(id, Duration.ZERO));
    }
    startAndAwait(concentrators);
    options.progress().accept(concentrators.size() + " concentrators ready");

    for (String name : spec.brokerNames()) {
      listenPorts.put(name, ports.hold());
      define(name, options.brokers(), brokerArgs(name));
    }
    if (spec.broker().storeUrl() != null) {
      for (String name : spec.brokerNames()) {
        startAndAwait(List.of(name));  // the first migrates and seeds the shared store; the rest find it done
      }
    } else {
      startAndAwait(spec.brokerNames());
    }
    options.progress().accept(spec.brokers() + " broker(s) ready");

    List<String> fleetMembers = new ArrayList<>();
    if (spec.simulates()) {
      define(SIM, options.sim(), simArgs());
      fleetMembers.add(SIM);
    }
    for (ClusterSpec.RealAgent agent : spec.agents()) {
      Path config = options.dir().resolve("agent-" + agent.vmId() + ".yaml");
      ClusterFiles.writeAgent(config, agent, options.dir().resolve("agent-" + agent.vmId()));
      define(agent.vmId(), options.agents(), with(List.of("agent", "--config", config.toString(),
          "--topology", topologyFile.toString()), certificates == null ? List.of("--insecure")
          : certificates.agent(agent.vmId())));
      fleetMembers.add(agent.vmId());
    }
    long attaching = System.nanoTime();
    startAndAwait(fleetMembers);
    fleetAttachTime = Duration.ofNanos(System.nanoTime() - attaching);
    if (spec.simulates()) {
      Matcher url = TRUTH_URL.matcher(members.get(SIM).readyLine());
      if (!url.find()) {
        throw new IllegalStateException("the sim's ready line names no /truth: " + members.get(SIM).readyLine());
      }
      truth = URI.create(url.group(1) + "/truth");
    }
    options.progress().accept(spec.fleet().vmCount() + " simulated VMs and " + spec.agents().size()
        + " real agent(s) started");
  }

  private String hold(String concentrator) {
    int port = ports.hold();
    listenPorts.put(concentrator, port);
    return HOST + ":" + port;
  }

  private synchronized List<String> concentratorArgs(String id, Duration warmUp) {
    List<String> args = new ArrayList<>(List.of("concentrator", "--id", id, "--set-id", membership.setOf(id),
        "--topology", topologyFile.toString(), "--listen", HOST + ":" + listenPorts.get(id), "--reuse-port",
        "--heartbeat-interval", spec.heartbeat().toMillis() + "ms"));
    if (warmUp != null) {
      args.addAll(List.of("--warm-up", warmUp.toMillis() + "ms"));
    }
    args.addAll(options.concentratorArgs());
    args.addAll(certificates == null ? List.of("--insecure") : certificates.concentrator(id));
    return args;
  }

  private List<String> brokerArgs(String name) {
    return with(List.of("broker", "--id", name, "--config", brokerConfig.toString(),
        "--topology", topologyFile.toString(), "--http-port", Integer.toString(listenPorts.get(name)),
        "--reuse-port", "--data", options.dir().resolve("data-" + name).toString()),
        certificates == null ? List.of("--insecure") : certificates.broker(name));
  }

  private List<String> simArgs() {
    SimulatedFleet.Spec fleet = spec.fleet();
    List<String> args = new ArrayList<>(List.of("sim", "--topology", topologyFile.toString(),
        "--pools", fleet.pools().stream().map(p -> p.pool() + ":" + p.vms() + ":" + p.capacity())
            .collect(Collectors.joining(",")),
        "--seed", Long.toString(fleet.seed()), "--http-port", "0",
        "--start-delay", fleet.host().startDelay().toMillis() + "ms",
        "--session-length", fleet.host().sessionLength().toMillis() + "ms"));
    args.addAll(certificates == null ? List.of("--insecure")
        : certificates.fleet(fleet.pools().stream().map(SimulatedFleet.PoolSpec::pool).toList()));
    return args;
  }

  private static List<String> with(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private synchronized void define(String name, Jvm jvm, List<String> args) {
    members.put(name, processes.define(name, jvm.heap(), jvm.profile(), args));
  }

  /** Starts the members all at once and waits until each has said it is ready. */
  private void startAndAwait(List<String> names) throws IOException, InterruptedException {
    Map<String, Integer> started = new LinkedHashMap<>();
    for (String name : names) {
      started.put(name, member(name).start());
    }
    for (Map.Entry<String, Integer> e : started.entrySet()) {
      member(e.getKey()).awaitReady(e.getValue(), options.readyTimeout());
    }
  }

  private synchronized RoleProcess member(String name) {
    RoleProcess p = members.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no member named " + name + "; members: " + members.keySet());
    }
    return p;
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
    return spec.brokerNames().stream().map(n -> URI.create("http://" + HOST + ":" + listenPorts.get(n))).toList();
  }

  /** The process id of a running member, for CPU and heap measurements. */
  public long pid(String member) {
    return member(member).pid();
  }

  /**
   * What a member that this cluster does not run shows on its links, so that the cluster's
   * members trust it as {@code identity}: a certificate of the cluster's CA (an agent in the
   * caller's JVM, say, with a session host of its own), or plain text when the cluster's links are.
   */
  public LinkSecurity security(Identity identity) {
    return certificates == null ? LinkSecurity.PLAINTEXT : LinkSecurity.tls(certificates.issue(identity));
  }

  /** Concentrator {@code id}'s Prometheus metrics, as its ready line names them. */
  public URI metrics(String id) {
    try {
      Matcher url = METRICS_URL.matcher(String.valueOf(member(id).readyLine()));
      if (!url.find()) {
        throw new IllegalStateException(id + "'s ready line names no metrics URL");
      }
      return URI.create(url.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How long the simulated fleet and real agents took from their start to attached everywhere. */
  public Duration fleetAttachTime() {
    return fleetAttachTime;
  }

  /** Where the processes' logs are: {@code NAME.log} (stderr) and {@code NAME.out} (stdout). */
  public Path logDir() {
    return processes.logDir();
  }

  /** Everything member {@code name} logged so far, all incarnations. */
  public String log(String name) throws IOException {
    Path file = member(name).log();
    return Files.exists(file) ? Files.readString(file) : "";
  }

  @Override
  public boolean ready() {
    for (URI broker : brokers()) {
      try {
        http.get(broker.resolve("/readyz"), null, null);
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return spec.agents().stream().allMatch(a -> attachedSets(a.vmId()) == spec.sets());
  }

  @Override
  public void awaitReady(Duration timeout) throws InterruptedException {
    long giveUp = System.nanoTime() + timeout.toNanos();
    for (URI broker : brokers()) {
      http.awaitReady(broker, Duration.ofNanos(Math.max(0, giveUp - System.nanoTime())));
    }
    for (ClusterSpec.RealAgent agent : spec.agents()) {
      while (attachedSets(agent.vmId()) < spec.sets()) {
        if (System.nanoTime() > giveUp) {
          throw new IllegalStateException("agent " + agent.vmId() + " is attached to " + attachedSets(agent.vmId())
              + " of " + spec.sets() + " sets after " + timeout.toSeconds() + " s; see " + member(agent.vmId()).log());
        }
        Thread.sleep(100);
      }
    }
  }

  /** The sets a real agent said it attached to, in its log. */
  private int attachedSets(String vmId) {
    try {
      Set<String> sets = new HashSet<>();
      Matcher m = ATTACHED.matcher(log(vmId));
      while (m.find()) {
        sets.add(m.group(1));
      }
      return sets.size();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public void kill(String name) throws InterruptedException {
    member(name).kill();
  }

  @Override
  public void pause(String name) {
    member(name).pause();
  }

  @Override
  public void resume(String name) {
    member(name).resume();
  }

  @Override
  public void restart(String name) throws InterruptedException {
    awaitStarted(name, startAgain(name));
  }

  /**
   * Starts a member that is down again, without waiting: returns the incarnation to hand to
   * {@link #awaitStarted}. A concentrator warms up, as one restarted in production does.
   *
   * @throws IllegalStateException when it runs
   */
  public int startAgain(String name) {
    RoleProcess p = member(name);
    try {
      synchronized (this) {
        if (membership.isConcentrator(name)) {
          p.command(processes.command(options.concentrators().heap(), options.concentrators().profile(),
              concentratorArgs(name, null)));
        }
        return p.start();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " again", e);
    }
  }

  /**
   * Waits until incarnation {@code incarnation} of {@code name} is ready. Returns false when it was
   * killed meanwhile (a newer fault won); throws when it died by itself or took too long.
   */
  public boolean awaitStarted(String name, int incarnation) throws InterruptedException {
    try {
      return member(name).awaitReady(incarnation, options.readyTimeout());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the output of " + name, e);
    }
  }

  @Override
  public boolean running(String name) {
    return member(name).alive();
  }

  /** The members that are not running now. */
  public synchronized List<String> notRunning() {
    return members.values().stream().filter(p -> !p.alive()).map(RoleProcess::name).toList();
  }

  @Override
  public void addConcentrator(String set, String id) throws InterruptedException {
    try {
      Topology next;
      synchronized (this) {
        next = membership.add(set, id);
        define(id, options.concentrators(), concentratorArgs(id, null));
      }
      startAndAwait(List.of(id));
      // Only now that it serves: brokers and concentrators read the file within seconds, and
      // agents move to the new concentrator as soon as they learn of it.
      ClusterFiles.writeTopology(topologyFile, next);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot add concentrator " + id, e);
    }
  }

  @Override
  public FleetRecord fleet() {
    requireSim();
    try {
      return JsonHttp.JSON.treeToValue(http.get(truth, null, null), FleetRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the sim's record at " + truth, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the sim's record", e);
    }
  }

  @Override
  public Optional<String> connect(String vmId, String ticket, String user) {
    requireSim();
    try {
      JsonNode answer = http.post(truth.resolve("/connect?vmId=" + encode(vmId) + "&ticket=" + encode(ticket)
          + "&user=" + encode(user)));
      return answer.path("admitted").asBoolean() ? Optional.of(answer.path("sessionId").asText()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("the sim did not answer a connection to " + vmId, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + vmId, e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public List<String> cutNetwork(int vms, Duration outage, long seed) {
    requireSim();
    try {
      List<String> cut = new ArrayList<>();
      http.post(truth.resolve("/faults/drop?vms=" + vms + "&forMs=" + outage.toMillis() + "&seed=" + seed))
          .path("dropped").forEach(v -> cut.add(v.asText()));
      return cut;
    } catch (IOException e) {
      throw new UncheckedIOException("the sim did not cut the network of " + vms + " VMs", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while cutting the network", e);
    }
  }

  private void requireSim() {
    if (truth == null) {
      throw new IllegalStateException("this cluster simulates no VMs");
    }
  }

  /** Stops every process (SIGTERM, then kill -9 after 10 s), then gives the held ports back. */
  @Override
  public void close() {
    try {
      processes.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ports.close();
      endDesktops();
    }
  }

  /**
   * Ends the desktops of the vnc agents: they outlive their agent by design, not the cluster. Each
   * X server names its session's directory in its arguments; its session ends with it.
   */
  private void endDesktops() {
    for (ClusterSpec.RealAgent agent : spec.agents()) {
      if (agent.vnc()) {
        Path vnc = options.dir().resolve("agent-" + agent.vmId()).resolve("vnc").toAbsolutePath().normalize();
        String directory = VncSessionHost.sessionsRoot(vnc).toAbsolutePath().normalize() + "/";
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains(directory))
            .forEach(ProcessHandle::destroyForcibly);
      }
    }
  }
}
