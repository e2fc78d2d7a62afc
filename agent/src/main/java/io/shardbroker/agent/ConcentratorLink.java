package io.shardbroker.agent;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.Heartbeat;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.StateUpdate;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.Welcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's stream to its concentrator in one set.
 *
 * <p>The link attaches to the set's concentrators in the VM's rendezvous order: the first one,
 * and when a stream fails, the next one after a backoff with jitter. Once welcomed it sends a
 * heartbeat at the interval the concentrator asked for (in the Welcome, or later in an
 * acknowledgement), and the agent's state on every change.
 * Starts and ends from the concentrator go to the VM's {@link SessionArbiter}; their answers go
 * back on the stream they came on.
 *
 * <p>A concentrator that says nothing for {@link #SILENCE_LIMIT} intervals is taken for dead or
 * cut off (a killed host sends no reset): the link drops it and moves on. Heartbeats ask for an
 * acknowledgement only once the link has heard nothing for {@link #ACK_AFTER} intervals, so an
 * idle link sends and receives a third fewer messages than if every heartbeat were acknowledged
 * (4 in 3 intervals instead of 6); and a
 * concentrator that is merely slow — busy welcoming a whole fleet after a restart — has two
 * intervals or more to answer before it is given up, since giving up adds a Hello to the load of
 * a set that is already behind (at 100,000 VMs, a limit of two silent intervals made agents leave
 * busy concentrators faster than those could welcome them). While on a
 * fallback, the link asks the concentrators it prefers for their health every
 * {@link #HOMECOMING_INTERVALS} intervals and moves back to the first that answers, so a
 * restarted concentrator gets back exactly the VMs rendezvous hashing gives it.
 *
 * <p>Moves on purpose — back home after such a look, or to a new first choice after a topology
 * change — are make-before-break (docs/design.md, "Agent"), so that some concentrator of the set knows the VM and its
 * sessions at every instant (a broker that finds no session in the set would start a second
 * one). The link opens a <em>pending</em> stream to the target, with a Hello, while the current
 * stream stays attached: it keeps heartbeating and answering requests, and state updates go to
 * both. Only when the target welcomes the pending stream does it become current, and only then is
 * the old stream closed gracefully — once it has answered every request that came on it, since an
 * answer lost there would leave the old concentrator's broker unsure whether a start happened. A
 * pending stream that fails, or is not welcomed within {@link #SILENCE_LIMIT} heartbeat
 * intervals, is closed and the link stays where it is; the next look home tries again. There is
 * at most one pending stream, and only while the current one is welcomed. Its Hello says
 * {@code moving}, so that the target knows the VM was not lost meanwhile.
 *
 * <p>Thread-safety: all fields are guarded by {@code this}, and every write to a stream happens
 * under it, since a gRPC stream observer is not thread-safe. The link never calls the arbiter
 * while holding its lock, except to read a snapshot for the Hello or the state's sequence for a
 * heartbeat, so locks are always taken in the order link, then arbiter.
 */
final class ConcentratorLink {

  private static final Logger log = LoggerFactory.getLogger(ConcentratorLink.class);
  /** Heartbeat intervals without a word from the concentrator after which it is given up. */
  static final int SILENCE_LIMIT = 4;
  /** Heartbeat intervals without a word from the concentrator after which heartbeats ask for one. */
  static final int ACK_AFTER = 2;
  /** Heartbeat intervals between two looks at the preferred concentrators, while on a fallback. */
  static final int HOMECOMING_INTERVALS = 2;
  /** The heartbeat interval when a Welcome asks for none. */
  private static final long DEFAULT_INTERVAL_MILLIS = 5_000;

  private final String vmId;
  private final SessionArbiter arbiter;
  private final Supplier<Hello> hello;
  private final Consumer<Topology> topologyOffers;
  private final String setId;
  private final ChannelSource channels;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Backoff backoff;

  private List<ConcentratorEndpoint> ranking;
  /** Where in the ranking the link is attached, or connects next. */
  private int position;
  private Attempt current;
  /** The stream of a move under way, not yet welcomed; if set, {@code current} is welcomed. */
  private Attempt pending;
  private ScheduledFuture<?> retry;
  private boolean closed;

  /**
   * @param arbiter decides the starts and ends that come on the stream, and tells the state
   * @param hello the Hello of a new stream, with the VM's state as it is then
   * @param topologyOffers takes a topology a concentrator hands over
   */
  ConcentratorLink(
      String vmId, SessionArbiter arbiter, Supplier<Hello> hello, Consumer<Topology> topologyOffers,
      String setId, List<ConcentratorEndpoint> members, ChannelSource channels,
      ScheduledExecutorService scheduler, Clock clock, Backoff backoff) {
    this.vmId = vmId;
    this.arbiter = arbiter;
    this.hello = hello;
    this.topologyOffers = topologyOffers;
    this.setId = setId;
    this.channels = channels;
    this.scheduler = scheduler;
    this.clock = clock;
    this.backoff = backoff;
    this.ranking = Rendezvous.rank(vmId, members);
  }

  /** Opens a stream to the concentrator at the current position of the ranking. */
  void connect() {
    synchronized (this) {
      retry = null;
      if (closed || current != null) {
        return;
      }
      if (ranking.isEmpty()) {
        log.warn("{}: set {} has no concentrators; waiting for a new topology", vmId, setId);
        return;
      }
      current = new Attempt(ranking.get(position % ranking.size()));
      openLocked(current, false);
    }
  }

  /**
   * Calls the attempt's concentrator and says Hello with the agent's current snapshot; {@code
   * moving} when the current stream stays attached meanwhile.
   */
  private void openLocked(Attempt attempt, boolean moving) {
    ManagedChannel channel = channels.channel(attempt.endpoint.getAddress());
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();  // a restarted concentrator should not wait out the channel's own backoff
    }
    attempt.out = AgentLinkGrpc.newStub(channel).attach(attempt);
    // The Hello goes out under the lock, so no state update can overtake it.
    sendLocked(attempt, AgentMessage.newBuilder()
        .setHello(hello.get().toBuilder().setMoving(moving))
        .build());
  }

  /**
   * Starts a make-before-break move to {@code target}: opens a pending stream beside the current,
   * welcomed one, and gives the target {@link #SILENCE_LIMIT} of the current heartbeat intervals
   * to welcome it (as long as a concentrator may be silent before it is given up: a busy one,
   * just restarted and welcoming its VMs back, is slow but not dead).
   */
  private void moveLocked(ConcentratorEndpoint target) {
    Attempt attempt = new Attempt(target);
    pending = attempt;
    openLocked(attempt, true);
    attempt.welcomeDeadline = scheduler.schedule(() -> notWelcomed(attempt),
        SILENCE_LIMIT * current.intervalMillis, TimeUnit.MILLISECONDS);
  }

  private synchronized void notWelcomed(Attempt attempt) {
    if (pending == attempt) {
      log.info("{}: {} of set {} did not welcome the move within {} ms; staying on {}",
          vmId, attempt.endpoint.getId(), setId, SILENCE_LIMIT * current.intervalMillis,
          current.endpoint.getId());
      abandonLocked();
    }
  }

  /**
   * Gives up the pending stream, closing it gracefully: its concentrator forgets the VM instead of
   * keeping it as unreachable, with sessions that will go stale there (the VM stays known where it
   * is attached). The current stream is not touched.
   */
  private void abandonLocked() {
    Attempt given = pending;
    pending = null;
    finishLocked(given);
  }

  /** Reports a state change to the concentrators with an open stream: during a move, to both. */
  synchronized void sendState(VmState state) {
    AgentMessage update = AgentMessage.newBuilder()
        .setState(StateUpdate.newBuilder().setState(state))
        .build();
    if (current != null) {
      sendLocked(current, update);
    }
    if (pending != null) {
      sendLocked(pending, update);
    }
  }

  /** Takes a new member list of the set; re-homes when the preferred concentrator changed. */
  void updateMembers(List<ConcentratorEndpoint> members) {
    synchronized (this) {
      ranking = Rendezvous.rank(vmId, members);
      if (current != null && current.welcomed) {
        rehomeLocked();
        return;
      }
      // Nothing attached, so nothing to keep: (re)connect at the top of the new order.
      position = 0;
      if (current == null || ranking.isEmpty()
          || ranking.get(0).getId().equals(current.endpoint.getId())) {
        if (current == null && retry == null && !closed) {
          retry = scheduler.schedule(this::connect, 0, TimeUnit.MILLISECONDS);
        }
        return;
      }
      log.info("{}: topology changed, connecting to {} instead of {} in set {}", vmId,
          ranking.get(0).getId(), current.endpoint.getId(), setId);
      finishLocked(current);
      current = null;
      retry = scheduler.schedule(this::connect, 0, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * After a topology change while attached: moves (make-before-break) to the new first choice
   * unless already there, or already moving there. A move to another target is abandoned.
   */
  private void rehomeLocked() {
    ConcentratorEndpoint first = ranking.isEmpty() ? null : ranking.get(0);
    if (pending != null && (first == null || !pending.endpoint.getId().equals(first.getId()))) {
      abandonLocked();
    }
    position = Math.max(0, rankOf(current.endpoint));
    // The current concentrator's rank may have changed either way; if the move below fails, the
    // looks home bring the VM to its first choice later.
    homecomingLocked(current);
    if (first == null || first.getId().equals(current.endpoint.getId()) || pending != null) {
      return;
    }
    log.info("{}: topology changed, moving from {} to {} in set {}", vmId,
        current.endpoint.getId(), first.getId(), setId);
    moveLocked(first);
  }

  /** True while a concentrator of this set has welcomed the current stream. */
  synchronized boolean attached() {
    return current != null && current.welcomed;
  }

  /** The heartbeat interval the attached concentrator asks for, in ms; 0 when not attached. */
  synchronized long heartbeatIntervalMillis() {
    return current != null && current.welcomed ? current.intervalMillis : 0;
  }

  /** The concentrator currently attached to, or null. */
  synchronized String attachedTo() {
    return current != null && current.welcomed ? current.endpoint.getId() : null;
  }

  /** Closes the streams gracefully: the concentrators forget this VM instead of waiting for it. */
  synchronized void close() {
    closed = true;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (pending != null) {
      finishLocked(pending);
      pending = null;
    }
    if (current != null) {
      finishLocked(current);
      current = null;
    }
  }

  /** Half-closes the attempt's stream; the caller forgets the attempt. */
  private void finishLocked(Attempt attempt) {
    attempt.stopTimers();
    try {
      attempt.out.onCompleted();
    } catch (RuntimeException e) {
      // the call is already over; nothing to tell the concentrator
    }
  }

  private void sendLocked(Attempt attempt, AgentMessage message) {
    try {
      attempt.out.onNext(message);
    } catch (RuntimeException e) {
      // Cancelled or closed under us; the stream's own onError takes care of reconnecting.
      log.debug("{}: could not send on the stream to {}: {}", vmId, attempt.endpoint.getId(),
          e.toString());
    }
  }

  /**
   * Sends an answer on the stream its request came on, if that stream is still in use or is
   * retiring after a move; a retiring stream is closed with its last answer. A null message
   * (the agent failed to answer) only settles the debt.
   */
  private void answer(Attempt attempt, AgentMessage message) {
    synchronized (this) {
      attempt.unanswered--;
      if (message != null && (attempt == current || attempt == pending || attempt.retiring)) {
        sendLocked(attempt, message);
      }
      if (attempt.retiring && attempt.unanswered == 0) {
        attempt.retiring = false;
        finishLocked(attempt);
      }
    }
  }

  /** A request arrived on the attempt's stream; its answer is owed on the same stream. */
  private synchronized void owe(Attempt attempt) {
    attempt.unanswered++;
  }

  /** Closes the stream a move left behind, at once or after the answers it still owes. */
  private void retireLocked(Attempt attempt) {
    if (attempt.unanswered == 0) {
      finishLocked(attempt);
    } else {
      attempt.stopTimers();
      attempt.retiring = true;
    }
  }

  private void welcomed(Attempt attempt, Welcome welcome) {
    synchronized (this) {
      Attempt replaced = null;
      if (attempt == pending) {
        replaced = current;
        promoteLocked(attempt);
      } else if (attempt != current) {
        return;
      }
      attachLocked(attempt, welcome);
      if (replaced != null) {
        // Only now: the new concentrator knows the VM, so the old one may forget it.
        retireLocked(replaced);
        log.info("{}: moved from {} to {} in set {}", vmId, replaced.endpoint.getId(),
            attempt.endpoint.getId(), setId);
      }
    }
    log.info("{}: attached to concentrator {} of set {}", vmId, welcome.getConcentratorId(),
        setId);
    if (welcome.hasTopology()) {
      topologyOffers.accept(welcome.getTopology());
    }
  }

  /** Makes the pending attempt the current one, at its concentrator's place in the ranking. */
  private void promoteLocked(Attempt attempt) {
    attempt.stopTimers();  // its welcome deadline
    pending = null;
    current = attempt;
    position = Math.max(0, rankOf(attempt.endpoint));
  }

  /** Starts the heartbeats of a welcomed attempt, and the looks home if it is not first. */
  private void attachLocked(Attempt attempt, Welcome welcome) {
    attempt.welcomed = true;
    attempt.lastHeardMillis = clock.millis();
    backoff.reset();
    long interval = welcome.getHeartbeatIntervalMs() > 0
        ? welcome.getHeartbeatIntervalMs() : DEFAULT_INTERVAL_MILLIS;
    scheduleBeatsLocked(attempt, interval);
    homecomingLocked(attempt);
  }

  /** Heartbeats on the attempt's stream every {@code interval} ms from now on. */
  private void scheduleBeatsLocked(Attempt attempt, long interval) {
    if (attempt.heartbeat != null) {
      attempt.heartbeat.cancel(false);
    }
    attempt.intervalMillis = interval;
    attempt.heartbeat = scheduler.scheduleAtFixedRate(() -> beat(attempt, interval),
        interval, interval, TimeUnit.MILLISECONDS);
  }

  /**
   * An acknowledgement asks for another heartbeat interval (the concentrator has more VMs than
   * it wants heartbeats from at the old one): the heartbeats of that stream follow it.
   */
  private synchronized void paced(Attempt attempt, long interval) {
    if (interval > 0 && interval != attempt.intervalMillis && attempt.heartbeat != null
        && (attempt == current || attempt == pending)) {
      log.debug("{}: {} of set {} asks for a heartbeat every {} ms", vmId,
          attempt.endpoint.getId(), setId, interval);
      scheduleBeatsLocked(attempt, interval);
    }
  }

  /**
   * Keeps the looks at the preferred concentrators going exactly while the welcomed
   * {@code attempt} is not the first in the ranking (the ranking changes with the topology).
   */
  private void homecomingLocked(Attempt attempt) {
    boolean home = rankOf(attempt.endpoint) == 0;
    if (home && attempt.homecoming != null) {
      attempt.homecoming.cancel(false);
      attempt.homecoming = null;
    } else if (!home && attempt.homecoming == null) {
      long every = attempt.intervalMillis * HOMECOMING_INTERVALS;
      attempt.homecoming = scheduler.scheduleAtFixedRate(() -> lookHome(attempt),
          every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** The index of the concentrator in the ranking, by id; -1 if it is no longer a member. */
  private int rankOf(ConcentratorEndpoint endpoint) {
    for (int i = 0; i < ranking.size(); i++) {
      if (ranking.get(i).getId().equals(endpoint.getId())) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Sends a heartbeat, asking for an acknowledgement if the concentrator has been silent for a
   * while; drops the concentrator if it has been silent too long.
   */
  private void beat(Attempt attempt, long intervalMillis) {
    Status silence;
    synchronized (this) {
      if (current != attempt) {
        return;
      }
      long silent = clock.millis() - attempt.lastHeardMillis;
      if (silent <= SILENCE_LIMIT * intervalMillis) {
        sendLocked(attempt, AgentMessage.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder()
                .setSequence(arbiter.sequence())
                .setAckWanted(silent >= ACK_AFTER * intervalMillis))
            .build());
        return;
      }
      silence = Status.UNAVAILABLE.withDescription("concentrator silent for " + SILENCE_LIMIT
          + " heartbeat intervals");
      attempt.cancel(silence);  // under the lock, as every write to the stream
    }
    failed(attempt, silence);
  }

  /**
   * While not on the first choice: asks the concentrators ranked above the current one, best
   * first, whether they serve; moves to the first that does. One look at a time, each bounded by
   * an interval, and none while a move is under way.
   */
  private void lookHome(Attempt attempt) {
    List<ConcentratorEndpoint> better;
    long intervalMillis;
    synchronized (this) {
      if (current != attempt || attempt.looking || pending != null) {
        return;
      }
      int rank = rankOf(attempt.endpoint);
      // A concentrator that left the set is worse than every member.
      better = List.copyOf(rank < 0 ? ranking : ranking.subList(0, rank));
      intervalMillis = attempt.intervalMillis;
      attempt.looking = true;
    }
    probe(attempt, better, 0, intervalMillis);
  }

  private void probe(Attempt attempt, List<ConcentratorEndpoint> better, int i, long intervalMillis) {
    if (i >= better.size()) {
      synchronized (this) {
        attempt.looking = false;
      }
      return;
    }
    ConcentratorEndpoint candidate = better.get(i);
    // The standard gRPC health service, which every role may ask (the Concentrator service's own
    // Health is for brokers only, and over TLS an agent's call to it is refused).
    ListenableFuture<HealthCheckResponse> health = HealthGrpc
        .newFutureStub(channels.channel(candidate.getAddress()))
        .withDeadlineAfter(intervalMillis, TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    health.addListener(() -> {
      boolean serving;
      try {
        serving = health.get().getStatus() == HealthCheckResponse.ServingStatus.SERVING;
      } catch (ExecutionException | InterruptedException | RuntimeException e) {
        serving = false;
      }
      if (serving) {
        moveBack(attempt, candidate);
      } else {
        probe(attempt, better, i + 1, intervalMillis);
      }
    }, MoreExecutors.directExecutor());
  }

  private void moveBack(Attempt attempt, ConcentratorEndpoint preferred) {
    synchronized (this) {
      attempt.looking = false;
      if (current != attempt || closed || pending != null) {
        return;
      }
      log.info("{}: concentrator {} of set {} serves again; moving back from {}", vmId,
          preferred.getId(), setId, attempt.endpoint.getId());
      moveLocked(preferred);
    }
  }

  private void failed(Attempt attempt, Status status) {
    synchronized (this) {
      if (attempt == pending) {
        log.info("{}: move to {} of set {} failed ({}); staying on {}", vmId,
            attempt.endpoint.getId(), setId, status.getCode(), current.endpoint.getId());
        abandonLocked();  // already over; closing it only tidies up
        return;
      }
      if (current != attempt) {
        return;
      }
      attempt.stopTimers();
      current = null;
      if (closed) {
        return;
      }
      if (pending != null) {
        carryOnWithPendingLocked(attempt);
        return;
      }
      // ALREADY_EXISTS: the concentrator still holds our previous stream; it will notice it is
      // gone, so try the same one again. Anything else: move on in rendezvous order.
      if (status.getCode() != Status.Code.ALREADY_EXISTS) {
        position++;
      }
      Duration delay = backoff.next();
      retry = scheduler.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
      log.info("{}: stream to {} of set {} ended ({}{}); retrying in {} ms with {}", vmId,
          attempt.endpoint.getId(), setId, status.getCode(),
          status.getDescription() == null ? "" : ": " + status.getDescription(), delay.toMillis(),
          ranking.isEmpty() ? "none" : ranking.get(position % ranking.size()).getId());
    }
  }

  /**
   * The current stream failed during a move. The pending stream is what a reconnect would open
   * anyway — to a concentrator the agent prefers, with a Hello and every state update since — and
   * its concentrator already knows the VM, so it simply becomes the current attempt, as if
   * {@link #connect} had opened it: welcomed, it attaches; failed, the usual path moves on from it.
   * Reconnecting instead would make its concentrator forget the VM too, for a backoff and more.
   */
  private void carryOnWithPendingLocked(Attempt failed) {
    Attempt next = pending;
    next.stopTimers();  // a connecting attempt has no welcome deadline
    pending = null;
    current = next;
    position = Math.max(0, rankOf(next.endpoint));
    log.info("{}: stream to {} of set {} ended during the move; going on with {}", vmId,
        failed.endpoint.getId(), setId, next.endpoint.getId());
  }

  /** One stream to one concentrator, current or pending; replaced after any failure. */
  private final class Attempt implements StreamObserver<ConcentratorMessage> {
    final ConcentratorEndpoint endpoint;
    StreamObserver<AgentMessage> out;
    boolean welcomed;
    /** Guarded by the link: requests that came on this stream and have not been answered yet. */
    int unanswered;
    /** Guarded by the link: replaced by a move; closed when {@code unanswered} reaches zero. */
    boolean retiring;
    ScheduledFuture<?> heartbeat;
    ScheduledFuture<?> homecoming;
    /** While pending: gives up the move if the concentrator has not welcomed it in time. */
    ScheduledFuture<?> welcomeDeadline;
    /** Guarded by the link: the heartbeat interval asked for, by the Welcome or since. */
    long intervalMillis;
    /** Guarded by the link: when the concentrator last sent anything on this stream. */
    long lastHeardMillis;
    /** Guarded by the link: a look at the preferred concentrators is under way. */
    boolean looking;

    Attempt(ConcentratorEndpoint endpoint) {
      this.endpoint = endpoint;
    }

    void stopTimers() {
      if (heartbeat != null) {
        heartbeat.cancel(false);
        heartbeat = null;
      }
      if (homecoming != null) {
        homecoming.cancel(false);
        homecoming = null;
      }
      if (welcomeDeadline != null) {
        welcomeDeadline.cancel(false);
        welcomeDeadline = null;
      }
    }

    /** Ends the call from this side abruptly, so the concentrator sees it fail: for one that no longer answers. */
    void cancel(Status why) {
      if (out instanceof ClientCallStreamObserver<AgentMessage> call) {
        call.cancel(why.getDescription(), null);
      }
    }

    @Override
    public void onNext(ConcentratorMessage message) {
      synchronized (ConcentratorLink.this) {
        lastHeardMillis = clock.millis();
      }
      switch (message.getBodyCase()) {
        case HEARTBEAT_ACK -> paced(this, message.getHeartbeatAck().getHeartbeatIntervalMs());
        case WELCOME -> welcomed(this, message.getWelcome());
        case START -> {
          owe(this);
          arbiter.start(message.getStart()).whenComplete((a, failure) ->
              answer(this, a == null ? null : AgentMessage.newBuilder().setStartAnswer(a).build()));
        }
        case END -> {
          owe(this);
          arbiter.end(message.getEnd()).whenComplete((a, failure) ->
              answer(this, a == null ? null : AgentMessage.newBuilder().setEndAnswer(a).build()));
        }
        case TOPOLOGY -> topologyOffers.accept(message.getTopology());
        case BODY_NOT_SET -> log.warn("{}: empty message from {}", vmId, endpoint.getId());
      }
    }

    @Override
    public void onError(Throwable t) {
      failed(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      failed(this, Status.UNAVAILABLE.withDescription("concentrator closed the stream"));
    }
  }
}
