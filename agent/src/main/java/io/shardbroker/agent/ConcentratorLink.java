package io.shardbroker.agent;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.Heartbeat;
import io.shardbroker.protocol.v1.StateUpdate;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.Welcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's stream to its concentrator in one set.
 *
 * <p>The link attaches to the set's concentrators in the VM's rendezvous order: the first one,
 * and when a stream fails, the next one after a backoff with jitter. Once welcomed it sends a
 * heartbeat at the interval the concentrator asked for, and the agent's state on every change.
 * Requests from the concentrator go to the agent; their answers come back on the same stream.
 *
 * <p>A concentrator that acknowledges no heartbeat for {@link #SILENCE_LIMIT} intervals is taken
 * for dead or cut off (a killed host sends no reset): the link drops it and moves on. While on a
 * fallback, the link asks the concentrators it prefers for their health every
 * {@link #HOMECOMING_INTERVALS} intervals and moves back to the first that answers, so a
 * restarted concentrator gets back exactly the VMs rendezvous hashing gives it.
 *
 * <p>A {@linkplain #drop dropped} link models the VM's network failing: the stream is cut without
 * a goodbye and nothing connects until the outage is over ({@code outageEnd} is set meanwhile);
 * only the latest outage's end, told apart by {@code outages}, brings the network back.
 *
 * <p>Thread-safety: all fields are guarded by {@code this}, and every write to the stream happens
 * under it, since a gRPC stream observer is not thread-safe. The link never calls into the agent
 * while holding its lock, except to read a snapshot for the Hello, so locks are always taken in
 * the order link, then arbiter.
 */
final class ConcentratorLink {

  private static final Logger log = LoggerFactory.getLogger(ConcentratorLink.class);
  /** Heartbeat intervals without an acknowledgement after which the concentrator is given up. */
  static final int SILENCE_LIMIT = 2;
  /** Heartbeat intervals between two looks at the preferred concentrators, while on a fallback. */
  static final int HOMECOMING_INTERVALS = 2;

  private final Agent agent;
  private final String setId;
  private final ChannelSource channels;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Backoff backoff;

  private List<ConcentratorEndpoint> ranking;
  private int position;
  private Attempt current;
  private ScheduledFuture<?> retry;
  /** While the network is down: the task that brings it back. Nothing connects before it runs. */
  private ScheduledFuture<?> outageEnd;
  /** Counts drops, so that the end of an outage that a later drop extended does nothing. */
  private long outages;
  private boolean closed;

  ConcentratorLink(
      Agent agent, String setId, List<ConcentratorEndpoint> members, ChannelSource channels,
      ScheduledExecutorService scheduler, Clock clock, Backoff backoff) {
    this.agent = agent;
    this.setId = setId;
    this.channels = channels;
    this.scheduler = scheduler;
    this.clock = clock;
    this.backoff = backoff;
    this.ranking = Rendezvous.rank(agent.vmId(), members);
  }

  /** Opens a stream to the concentrator at the current position of the ranking. */
  void connect() {
    synchronized (this) {
      retry = null;
      if (closed || current != null || outageEnd != null) {
        return;
      }
      if (ranking.isEmpty()) {
        log.warn("{}: set {} has no concentrators; waiting for a new topology", agent.vmId(), setId);
        return;
      }
      ConcentratorEndpoint target = ranking.get(position % ranking.size());
      ManagedChannel channel = channels.channel(target.getAddress());
      if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        channel.resetConnectBackoff();  // a restarted concentrator should not wait out the channel's own backoff
      }
      Attempt attempt = new Attempt(target);
      current = attempt;
      attempt.out = AgentLinkGrpc.newStub(channel).attach(attempt);
      // The Hello goes out under the lock, so no state update can overtake it.
      sendLocked(attempt, AgentMessage.newBuilder().setHello(agent.hello()).build());
    }
  }

  /** Reports a state change to the concentrator, if a stream is open. */
  synchronized void sendState(VmState state) {
    if (current != null) {
      sendLocked(current, AgentMessage.newBuilder()
          .setState(StateUpdate.newBuilder().setState(state))
          .build());
    }
  }

  /** Takes a new member list of the set; re-homes when the preferred concentrator changed. */
  void updateMembers(List<ConcentratorEndpoint> members) {
    synchronized (this) {
      ranking = Rendezvous.rank(agent.vmId(), members);
      position = 0;
      if (current == null || ranking.isEmpty()
          || ranking.get(0).getId().equals(current.endpoint.getId())) {
        if (current == null && retry == null && outageEnd == null && !closed) {
          retry = scheduler.schedule(this::connect, 0, TimeUnit.MILLISECONDS);
        }
        return;
      }
      log.info("{}: topology changed, moving from {} to {} in set {}", agent.vmId(),
          current.endpoint.getId(), ranking.get(0).getId(), setId);
      finishLocked(current);
      retry = scheduler.schedule(this::connect, 0, TimeUnit.MILLISECONDS);
    }
  }

  /** True while a concentrator of this set has welcomed the current stream. */
  synchronized boolean attached() {
    return current != null && current.welcomed;
  }

  /** The concentrator currently attached to, or null. */
  synchronized String attachedTo() {
    return current != null && current.welcomed ? current.endpoint.getId() : null;
  }

  /**
   * Cuts the stream as a network failure does: the call is cancelled, not half-closed, so the
   * concentrator sees it fail rather than end. Nothing connects until {@code outage} has passed
   * on the scheduler (or a longer outage already under way is over); then the link starts again
   * at the top of its rendezvous order after one backoff, as after any failure, so that VMs cut at
   * the same instant do not all come back at the same instant. Sessions are not touched.
   */
  synchronized void drop(Duration outage) {
    if (closed) {
      return;
    }
    long waitNanos = outage.toNanos();
    if (outageEnd != null) {
      waitNanos = Math.max(waitNanos, outageEnd.getDelay(TimeUnit.NANOSECONDS));
      outageEnd.cancel(false);
    }
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (current != null) {
      Attempt cut = current;
      cut.stopHeartbeat();
      current = null;
      // Under the lock, as every other write to the stream; the stream's onError finds it replaced.
      cut.cancel(Status.UNAVAILABLE.withDescription("network dropped"));
      log.info("{}: network to {} of set {} dropped for {} ms", agent.vmId(), cut.endpoint.getId(),
          setId, outage.toMillis());
    }
    position = 0;
    long generation = ++outages;
    outageEnd = scheduler.schedule(() -> networkBack(generation), waitNanos, TimeUnit.NANOSECONDS);
  }

  private synchronized void networkBack(long generation) {
    if (generation != outages || closed) {
      return;
    }
    outageEnd = null;
    retry = scheduler.schedule(this::connect, backoff.next().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Closes the stream gracefully: the concentrator forgets this VM instead of waiting for it. */
  synchronized void close() {
    closed = true;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (outageEnd != null) {
      outageEnd.cancel(false);
      outageEnd = null;
    }
    if (current != null) {
      finishLocked(current);
    }
  }

  private void finishLocked(Attempt attempt) {
    attempt.stopHeartbeat();
    current = null;
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
      log.debug("{}: could not send on the stream to {}: {}", agent.vmId(), attempt.endpoint.getId(),
          e.toString());
    }
  }

  private void send(Attempt attempt, AgentMessage message) {
    synchronized (this) {
      if (current == attempt) {
        sendLocked(attempt, message);
      }
    }
  }

  private void welcomed(Attempt attempt, Welcome welcome) {
    synchronized (this) {
      if (current != attempt) {
        return;
      }
      attempt.welcomed = true;
      attempt.lastHeardMillis = clock.millis();
      backoff.reset();
      long interval = welcome.getHeartbeatIntervalMs() > 0 ? welcome.getHeartbeatIntervalMs() : 5_000;
      attempt.heartbeat = scheduler.scheduleAtFixedRate(() -> beat(attempt, interval),
          interval, interval, TimeUnit.MILLISECONDS);
      int rank = ranking.indexOf(attempt.endpoint);
      if (rank > 0) {
        long every = interval * HOMECOMING_INTERVALS;
        attempt.homecoming = scheduler.scheduleAtFixedRate(() -> lookHome(attempt, rank, interval),
            every, every, TimeUnit.MILLISECONDS);
      }
    }
    log.info("{}: attached to concentrator {} of set {}", agent.vmId(), welcome.getConcentratorId(),
        setId);
    if (welcome.hasTopology()) {
      agent.offerTopology(welcome.getTopology());
    }
  }

  /** Sends a heartbeat, unless the concentrator has been silent too long: then drops it. */
  private void beat(Attempt attempt, long intervalMillis) {
    synchronized (this) {
      if (current != attempt) {
        return;
      }
      long silent = clock.millis() - attempt.lastHeardMillis;
      if (silent <= SILENCE_LIMIT * intervalMillis) {
        sendLocked(attempt, AgentMessage.newBuilder()
            .setHeartbeat(Heartbeat.newBuilder().setSequence(agent.sequence()))
            .build());
        return;
      }
    }
    Status silence = Status.UNAVAILABLE.withDescription("no heartbeat acknowledged for " + SILENCE_LIMIT
        + " intervals");
    attempt.cancel(silence);
    failed(attempt, silence);
  }

  /**
   * While on a fallback: asks the concentrators ranked above the current one, best first, whether
   * they serve; moves to the first that does. One look at a time, each bounded by an interval.
   */
  private void lookHome(Attempt attempt, int rank, long intervalMillis) {
    List<ConcentratorEndpoint> better;
    synchronized (this) {
      if (current != attempt || attempt.looking) {
        return;
      }
      attempt.looking = true;
      better = List.copyOf(ranking.subList(0, Math.min(rank, ranking.size())));
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
    ListenableFuture<HealthResponse> health = ConcentratorGrpc
        .newFutureStub(channels.channel(candidate.getAddress()))
        .withDeadlineAfter(intervalMillis, TimeUnit.MILLISECONDS)
        .health(HealthRequest.getDefaultInstance());
    health.addListener(() -> {
      boolean serving;  // any answer means it serves
      try {
        serving = health.get() != null;
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
      if (current != attempt || closed) {
        return;
      }
      log.info("{}: concentrator {} of set {} serves again; moving back from {}", agent.vmId(),
          preferred.getId(), setId, attempt.endpoint.getId());
      finishLocked(attempt);  // graceful: the fallback forgets this VM at once
      position = ranking.indexOf(preferred);
    }
    connect();
  }

  private void failed(Attempt attempt, Status status) {
    synchronized (this) {
      if (current != attempt) {
        return;
      }
      attempt.stopHeartbeat();
      current = null;
      if (closed) {
        return;
      }
      // ALREADY_EXISTS: the concentrator still holds our previous stream; it will notice it is
      // gone, so try the same one again. Anything else: move on in rendezvous order.
      if (status.getCode() != Status.Code.ALREADY_EXISTS) {
        position++;
      }
      Duration delay = backoff.next();
      retry = scheduler.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
      log.info("{}: stream to {} of set {} ended ({}{}); retrying in {} ms with {}", agent.vmId(),
          attempt.endpoint.getId(), setId, status.getCode(),
          status.getDescription() == null ? "" : ": " + status.getDescription(), delay.toMillis(),
          ranking.isEmpty() ? "none" : ranking.get(position % ranking.size()).getId());
    }
  }

  /** One stream to one concentrator; replaced by a new one after any failure. */
  private final class Attempt implements StreamObserver<ConcentratorMessage> {
    final ConcentratorEndpoint endpoint;
    StreamObserver<AgentMessage> out;
    boolean welcomed;
    ScheduledFuture<?> heartbeat;
    ScheduledFuture<?> homecoming;
    /** Guarded by the link: when the concentrator last sent anything on this stream. */
    long lastHeardMillis;
    /** Guarded by the link: a look at the preferred concentrators is under way. */
    boolean looking;

    Attempt(ConcentratorEndpoint endpoint) {
      this.endpoint = endpoint;
    }

    void stopHeartbeat() {
      if (heartbeat != null) {
        heartbeat.cancel(false);
        heartbeat = null;
      }
      if (homecoming != null) {
        homecoming.cancel(false);
        homecoming = null;
      }
    }

    /**
     * Ends the call from this side abruptly, so the concentrator sees it fail: for a concentrator
     * that no longer answers, or a network that dropped.
     */
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
        case HEARTBEAT_ACK -> { }  // being heard is all it says
        case WELCOME -> welcomed(this, message.getWelcome());
        case START -> agent.start(message.getStart())
            .thenAccept(answer -> send(this, AgentMessage.newBuilder().setStartAnswer(answer).build()));
        case END -> agent.end(message.getEnd())
            .thenAccept(answer -> send(this, AgentMessage.newBuilder().setEndAnswer(answer).build()));
        case TOPOLOGY -> agent.offerTopology(message.getTopology());
        case BODY_NOT_SET -> log.warn("{}: empty message from {}", agent.vmId(), endpoint.getId());
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
