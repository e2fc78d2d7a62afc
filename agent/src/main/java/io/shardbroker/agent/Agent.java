package io.shardbroker.agent;

import io.shardbroker.agent.display.DisplayActivity;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one VM: it attaches to one concentrator in every set, reports the VM's state to
 * each, and is the arbiter of every session start (see {@link SessionArbiter}).
 *
 * <p>Thread-safe. The links and the topology are guarded by {@code this}; the agent calls its
 * links only outside that lock.
 */
public final class Agent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  /** How soon a host that could not say what runs on it is asked again. */
  static final Duration RELIST_AFTER_FAILURE = Duration.ofSeconds(5);
  public static final String VERSION = "0.1.0";

  private final AgentSettings settings;
  private final SessionHost host;
  private final ChannelSource channels;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Random random;
  private final String incarnation = UUID.randomUUID().toString();
  private final SessionArbiter arbiter;
  private final SessionPolicies policies;

  private Topology topology;
  private final Map<String, ConcentratorLink> links = new LinkedHashMap<>();
  private boolean started;
  private boolean closed;
  /** The next comparison of the arbiter's sessions with the host's, if one is scheduled. */
  private ScheduledFuture<?> listing;

  /**
   * @param channels where streams to concentrators are opened; may be shared by many agents
   * @param scheduler runs heartbeats, reconnects and the host's timers; may be shared
   * @param random source of backoff jitter
   */
  public Agent(
      AgentSettings settings, SessionHost host, ChannelSource channels,
      ScheduledExecutorService scheduler, Clock clock, Random random) {
    this.settings = settings;
    this.host = host;
    this.channels = channels;
    this.scheduler = scheduler;
    this.clock = clock;
    this.random = random;
    this.topology = settings.topology();
    this.arbiter = new SessionArbiter(settings.vmId(), settings.pool(), settings.capacity(), host,
        new TicketBook(clock), clock, () -> UUID.randomUUID().toString(), this::stateChanged);
    this.policies = new SessionPolicies(arbiter, clock);
  }

  /**
   * What the display relay tells of viewers and input: the sessions' display states and the
   * pools' logoff limits come from it.
   */
  public DisplayActivity displayActivity() {
    return policies;
  }

  /**
   * Asks the host what runs on the VM, then attaches to one concentrator of every set, so that the
   * first state every set hears has exactly those sessions (a restarted agent never lets its VM be
   * offered as free while a user is on it). Returns at once; listing and attaching go on in the
   * background. A host that cannot say what runs is asked again until it can, and meanwhile the
   * VM takes no new session.
   */
  public void start() {
    List<ConcentratorLink> opened = new ArrayList<>();
    synchronized (this) {
      if (started || closed) {
        return;
      }
      started = true;
      if (host.relaysDisplays()) {
        policies.start(scheduler);
      }
      for (ConcentratorSet set : topology.getSetsList()) {
        ConcentratorLink link = newLink(set);
        links.put(set.getId(), link);
        opened.add(link);
      }
    }
    listHost(failure -> {
      if (failure != null) {
        log.warn("{}: the session host cannot say what runs on it ({}); taking no new session until it can",
            settings.vmId(), failure.getMessage());
      }
      opened.forEach(ConcentratorLink::connect);
      scheduleListing(failure != null ? RELIST_AFTER_FAILURE : host.listInterval());
    });
  }

  /** Asks the host what runs and gives it to the arbiter; then tells {@code then} of the failure, or null. */
  private void listHost(Consumer<Throwable> then) {
    long asked = arbiter.listingAsked();
    CompletableFuture<List<HostedSession>> listing;
    try {
      listing = host.running();
    } catch (RuntimeException e) {
      listing = CompletableFuture.failedFuture(e);
    }
    listing.whenComplete((running, failure) -> {
      if (failure == null) {
        arbiter.reconcile(running, asked);
      }
      then.accept(failure == null ? null : failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure);
    });
  }

  /** Lists the host again after {@code delay} (none when zero), and on, at the host's interval. */
  private void scheduleListing(Duration delay) {
    synchronized (this) {
      if (closed || delay.isZero()) {
        return;
      }
      listing = scheduler.schedule(() -> listHost(failure -> {
        if (failure != null) {
          log.debug("{}: the session host cannot say what runs on it: {}", settings.vmId(), failure.getMessage());
        }
        scheduleListing(failure != null && host.listInterval().isZero() ? RELIST_AFTER_FAILURE : host.listInterval());
      }), delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private ConcentratorLink newLink(ConcentratorSet set) {
    return new ConcentratorLink(settings.vmId(), arbiter, this::hello, this::offerTopology, set.getId(),
        set.getConcentratorsList(), channels, scheduler, clock,
        new Backoff(settings.reconnectInitial(), settings.reconnectMax(), random));
  }

  public String vmId() {
    return settings.vmId();
  }

  public String pool() {
    return settings.pool();
  }

  public int capacity() {
    return settings.capacity();
  }

  /** The VM's current state, as it is reported to every set. */
  public VmState state() {
    return arbiter.snapshot();
  }

  /** How many sets this agent is attached to right now. */
  public int attachedSets() {
    return (int) currentLinks().stream().filter(ConcentratorLink::attached).count();
  }

  /** The version of the topology this agent follows. */
  public synchronized long topologyVersion() {
    return topology.getVersion();
  }

  /** Set id -> concentrator id this agent is attached to in that set (sets not attached are absent). */
  public Map<String, String> attachments() {
    Map<String, ConcentratorLink> snapshot;
    synchronized (this) {
      snapshot = new LinkedHashMap<>(links);
    }
    Map<String, String> result = new LinkedHashMap<>();
    snapshot.forEach((set, link) -> {
      String to = link.attachedTo();
      if (to != null) {
        result.put(set, to);
      }
    });
    return result;
  }

  /**
   * Set id -> the heartbeat interval, in ms, that the concentrator attached to in that set asks
   * for (sets not attached are absent).
   */
  public Map<String, Long> heartbeatIntervals() {
    Map<String, ConcentratorLink> snapshot;
    synchronized (this) {
      snapshot = new LinkedHashMap<>(links);
    }
    Map<String, Long> result = new LinkedHashMap<>();
    snapshot.forEach((set, link) -> {
      long interval = link.heartbeatIntervalMillis();
      if (interval > 0) {
        result.put(set, interval);
      }
    });
    return result;
  }

  /** Stops or resumes taking new sessions (maintenance); running sessions go on. */
  public void setAccepting(boolean accepting) {
    arbiter.setAccepting(accepting);
  }

  Hello hello() {
    long version;
    synchronized (this) {
      version = topology.getVersion();
    }
    return Hello.newBuilder()
        .setVmId(settings.vmId())
        .setPool(settings.pool())
        .setCapacity(settings.capacity())
        .setAgentVersion(VERSION)
        .setIncarnation(incarnation)
        .setTopologyVersion(version)
        .setState(arbiter.snapshot())
        .build();
  }

  /**
   * Lets a client of {@code user} in with {@code ticket}: the session it connects to, or empty
   * when the ticket is unknown, used, expired, another user's, or its session is over. What a
   * session host's gateway asks before it accepts a connection.
   */
  public Optional<String> admit(String ticket, String user) {
    return arbiter.admit(ticket, user);
  }

  private void stateChanged(VmState state) {
    for (ConcentratorLink link : currentLinks()) {
      link.sendState(state);
    }
  }

  private synchronized List<ConcentratorLink> currentLinks() {
    return new ArrayList<>(links.values());
  }

  /**
   * Takes a topology a concentrator handed over, if it is newer than the one known: links follow
   * the new membership of their set, new sets get a link, links of removed sets close.
   */
  void offerTopology(Topology offered) {
    List<Runnable> actions = new ArrayList<>();
    synchronized (this) {
      if (closed || offered.getVersion() <= topology.getVersion() || offered.getSetsCount() == 0) {
        return;
      }
      log.info("{}: topology version {} -> {}", settings.vmId(), topology.getVersion(),
          offered.getVersion());
      topology = offered;
      Set<String> seen = new HashSet<>();
      Map<String, ConcentratorLink> kept = new HashMap<>(links);
      for (ConcentratorSet set : offered.getSetsList()) {
        seen.add(set.getId());
        ConcentratorLink link = links.get(set.getId());
        if (link == null) {
          ConcentratorLink added = newLink(set);
          links.put(set.getId(), added);
          actions.add(added::connect);
        } else {
          actions.add(() -> link.updateMembers(set.getConcentratorsList()));
        }
      }
      kept.keySet().removeAll(seen);
      for (String gone : kept.keySet()) {
        ConcentratorLink link = links.remove(gone);
        actions.add(link::close);
      }
    }
    actions.forEach(Runnable::run);
  }

  /** Detaches from every set gracefully. Running sessions are left alone: the VM keeps them. */
  @Override
  public void close() {
    List<ConcentratorLink> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(links.values());
      if (listing != null) {
        listing.cancel(false);
      }
      policies.stop();
    }
    toClose.forEach(ConcentratorLink::close);
    host.close();
  }
}
