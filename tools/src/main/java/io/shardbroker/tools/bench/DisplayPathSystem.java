package io.shardbroker.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.display.DisplayRelay;
import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.security.GrpcLinks;
import io.shardbroker.security.Identity;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The display path the benchmark measures, product code all of it but the desktop: one
 * concentrator and one broker as separate processes of a {@link ProcessCluster} (mutual TLS), and
 * in this JVM one agent, VM {@value #VM}, whose session host shows a {@link SyntheticDisplay}
 * through the agent's own {@link DisplayRelay} (TLS, with a certificate of the cluster's CA).
 * Users {@code v0001}.. each get one session of pool {@value #POOL} (vnc) and view it through the
 * broker's WebSocket gateway, as a browser does.
 *
 * <p>The broker has a process of its own so that its heap and CPU are its own: see
 * {@link #brokerLiveHeap} and {@link #brokerPid}.
 */
final class DisplayPathSystem implements AutoCloseable {

  static final String VM = "bench-vm-1";
  static final String POOL = "bench-vnc";
  static final String BROKER = "broker-1";
  private static final String GROUP = "viewers";
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  /** How long a session request may be refused while the agent's first state reaches the broker. */
  private static final Duration FIRST_SESSION_WAIT = Duration.ofSeconds(30);
  static final long SETTLED_BYTES = 32 * 1024;
  /** How often what signals nothing is asked again: the agent attached, a count of the broker's. */
  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration SESSION_RETRY = Duration.ofMillis(200);
  static final int MOST_HEAP_READINGS = 5;

  /** A user's session, with what opens its display once: the sign-in token and the one-time ticket. */
  record Session(String user, String token, String sessionId, String ticket) {}

  private final int users;
  private final LocalDisplay display;
  private final Path dir;
  private final RunLog log;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1,
      Thread.ofPlatform().daemon().name("bench-agent-timer").factory());
  private ProcessCluster cluster;
  private ChannelSource channels;
  private Agent agent;
  private DisplayRelay relay;

  /**
   * @param users how many users, and so sessions, the VM must take at once
   * @param display what every session shows
   * @param dir the cluster's directory: configs, certificates, stores, logs
   */
  DisplayPathSystem(int users, LocalDisplay display, Path dir, RunLog log) {
    this.users = users;
    this.display = display;
    this.dir = dir;
    this.log = log;
  }

  /** What it is, for people. */
  String describe() {
    return "1 concentrator and 1 broker as processes; agent, display relay and display in this JVM; mutual TLS";
  }

  /** Starts the processes, then the agent and its relay; returns once the agent is attached. */
  void start() throws IOException, InterruptedException {
    // The broker with both compilers, as it runs for real, and the serial collector: its full
    // collection compacts the whole heap, so the live heap read after it holds no dead space
    // (the parallel collector's leaves some, as filler arrays the class histogram counts).
    ProcessCluster.Options options = ProcessCluster.Options.defaults(dir, LocalProcesses.productJar())
        .with(new ProcessCluster.Jvm("256m", LocalProcesses.Jvm.QUICK_START),
            new ProcessCluster.Jvm("256m", LocalProcesses.Jvm.SMALL),
            new ProcessCluster.Jvm("128m", LocalProcesses.Jvm.QUICK_START))
        .withReadyTimeout(READY_TIMEOUT)
        .withProgress(line -> log.event("path: %s", line));
    cluster = ProcessCluster.start(spec(), options);
    cluster.awaitReady(READY_TIMEOUT);

    LinkSecurity security = cluster.security(Identity.of(Role.AGENT, VM));
    channels = new ChannelSource(address -> GrpcLinks.toConcentrator(address, security));
    Clock clock = Clock.systemUTC();
    SyntheticDesktops desktops = new SyntheticDesktops(display, clock);
    agent = new Agent(new AgentSettings(VM, POOL, users, cluster.topology()), desktops, channels, timers, clock,
        new SecureRandom());
    DisplayRelay.Settings settings = new DisplayRelay.Settings(InetAddress.getLoopbackAddress(), 0,
        Math.max(users, DisplayRelay.Settings.MAX_OPEN_DEFAULT), DisplayRelay.Settings.HANDSHAKE_TIMEOUT_DEFAULT);
    relay = security.plaintext() ? DisplayRelay.withoutTls(settings, agent::admit, desktops, agent.displayActivity())
        : new DisplayRelay(settings, JsseTls.context(security.credentials(), Set.of(Role.BROKER)), agent::admit,
            desktops, agent.displayActivity());
    relay.start();
    desktops.relayAt(Connection.newBuilder().setProtocol("vnc").setHost("127.0.0.1").setPort(relay.port()).build());
    agent.start();
    if (Polling.firstAnswer(() -> Optional.of(true).filter(attached -> agent.attachedSets() >= 1), POLL,
        READY_TIMEOUT).isEmpty()) {
      throw new IllegalStateException("agent " + VM + " did not attach to the concentrator within "
          + READY_TIMEOUT.toSeconds() + " s");
    }
    log.event("path: agent %s attached; its display relay listens on 127.0.0.1:%d", VM, relay.port());
  }

  private ClusterSpec spec() {
    List<User.New> accounts = new ArrayList<>();
    for (int i = 1; i <= users; i++) {
      accounts.add(new User.New(user(i), user(i), password(user(i)), true, List.of(GROUP)));
    }
    Pool pool = new Pool(POOL, "Benchmark display", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "vnc", true);
    Seed seed = new Seed(List.of(pool), List.of(new Group(GROUP, "", List.of())), accounts,
        List.of(new Seed.SeedEntitlement(POOL, null, GROUP)));
    return ClusterSpec.builder()
        .sets(1)
        .concentratorsPerSet(1)
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed).withPasswordHashing(CentralDbBrokerCommand.CHEAPEST))
        .build();
  }

  static String user(int i) {
    return String.format(Locale.ROOT, "v%04d", i);
  }

  private static String password(String user) {
    return "pw-" + user;
  }

  URI broker() {
    return cluster.brokers().get(0);
  }

  long brokerPid() {
    return cluster.pid(BROKER);
  }

  /**
   * The broker's live heap after a full collection (see {@link HeapProbe}), once it has settled;
   * -1 when it cannot be read. One collection right after sockets closed still counts what only a
   * cleaner lets go of (a socket, its TLS buffers), which the next collection frees; so this reads
   * until two readings in a row agree within {@value #SETTLED_BYTES} bytes, at most
   * {@value #MOST_HEAP_READINGS} times, and gives the last. A reading starts jcmd and collects the
   * whole heap: time enough between two for the cleaners, which run meanwhile.
   */
  long brokerLiveHeap() throws InterruptedException {
    long last = HeapProbe.liveBytes(brokerPid());
    for (int i = 1; i < MOST_HEAP_READINGS && last >= 0; i++) {
      long next = HeapProbe.liveBytes(brokerPid());
      if (Math.abs(next - last) < SETTLED_BYTES) {
        return next;
      }
      last = next;
    }
    return last;
  }

  /** User {@code i} signs in and asks for a desktop: its session, with a fresh ticket. */
  Session openSession(int i) throws IOException, InterruptedException {
    String user = user(i);
    String token = post("/api/v1/auth/login", null,
        "{\"username\": \"" + user + "\", \"password\": \"" + password(user) + "\"}").get("token").asText();
    AtomicReference<JsonHttp.Refused> refused = new AtomicReference<>();
    Optional<JsonNode> session = Polling.firstAnswer(() -> {
      try {
        return Optional.of(post("/api/v1/sessions", token, "{\"pool\": \"" + POOL + "\"}"));
      } catch (JsonHttp.Refused e) {
        refused.set(e);  // the broker may not see the VM free yet, just after the agent attached
        return Optional.empty();
      }
    }, SESSION_RETRY, FIRST_SESSION_WAIT);
    JsonNode started = session.orElseThrow(refused::get);
    return new Session(user, token, started.get("sessionId").asText(), started.at("/connection/ticket").asText());
  }

  /**
   * Waits until the broker counts {@code displays} open displays, at most {@code atMost}; the
   * broker's meters then, or empty.
   */
  Optional<BrokerMeters> awaitDisplaysOpen(int displays, Duration atMost) throws IOException, InterruptedException {
    return Polling.firstAnswer(() -> Optional.of(brokerMeters()).filter(m -> m.displaysOpen() == displays), POLL,
        atMost);
  }

  /** A viewer of {@code session}'s display through the broker; not yet past the RFB handshake. */
  RfbViewer view(Session session) throws IOException, InterruptedException {
    return new RfbViewer(WebSocketViewerLink.open(http, broker(), session.sessionId(), session.token(),
        session.ticket()));
  }

  /**
   * A viewer of {@code session}'s display straight from the agent's relay, with a broker's
   * certificate of the cluster's CA and without the broker.
   */
  RfbViewer viewRelay(Session session) throws IOException {
    LinkSecurity broker = cluster.security(Identity.of(Role.BROKER, "bench-viewer"));
    return new RfbViewer(RelayViewerLink.open(broker, relay.port(), session.ticket(), session.user(),
        session.sessionId()));
  }

  /** The broker's meters now: Prometheus text. */
  BrokerMeters brokerMeters() throws IOException, InterruptedException {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(broker().resolve("/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return new BrokerMeters(answer.body());
  }

  private JsonNode post(String path, String token, String body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(broker().resolve(path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() / 100 != 2) {
      throw new JsonHttp.Refused("POST " + path, answer.statusCode(), answer.body());
    }
    return JsonHttp.JSON.readTree(answer.body());
  }

  /** Stops the agent and its relay, then the processes. */
  @Override
  public void close() {
    if (relay != null) {
      relay.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (channels != null) {
      channels.close();
    }
    timers.shutdownNow();
    if (cluster != null) {
      cluster.close();
    }
  }
}
