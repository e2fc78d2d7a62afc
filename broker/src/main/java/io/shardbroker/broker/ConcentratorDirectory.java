package io.shardbroker.broker;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.ConcentratorGrpc.ConcentratorFutureStub;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.JournaledEnd;
import io.shardbroker.protocol.v1.Topology;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's view of the topology: every concentrator with its channel and whether it is up,
 * and the one way of asking a set something (a scatter to its members, each with a deadline).
 *
 * <p>A member is down after a failed call or health check and up again after a good one; down
 * members are left out of scatters while the rest of their set is up. Health is polled in the
 * background at the configured interval.
 *
 * <p>Thread-safe: the sets and members are an immutable layout, replaced whole by {@link #update}
 * when a newer topology arrives; each member's health fields are volatile and written by whoever
 * saw the latest outcome.
 */
final class ConcentratorDirectory implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConcentratorDirectory.class);

  enum Health { UNKNOWN, UP, DOWN }

  private volatile Consumer<List<JournaledEnd>> endsListener = ends -> {};

  /** One concentrator as the broker knows it. */
  static final class Member {
    final String setId;
    final ConcentratorEndpoint endpoint;
    final ManagedChannel channel;
    final ConcentratorFutureStub stub;
    volatile Health health = Health.UNKNOWN;
    /** When it last went down, on the directory's clock; meaningful while {@code health} is DOWN. */
    volatile long downSinceMillis;
    volatile HealthResponse lastHealth;
    volatile String lastError;
    /** Where this broker is in the member's journal of ended sessions (HealthRequest). */
    volatile String endsJournal = "";
    volatile long endsAfter;

    Member(String setId, ConcentratorEndpoint endpoint, ManagedChannel channel) {
      this.setId = setId;
      this.endpoint = endpoint;
      this.channel = channel;
      this.stub = ConcentratorGrpc.newFutureStub(channel);
    }

    String id() {
      return endpoint.getId();
    }
  }

  /** A set and its members, in topology order. */
  record SetView(String id, List<Member> members) {
    boolean anyUp() {
      return members.stream().anyMatch(m -> m.health == Health.UP);
    }

    /** True when every member is known to be down (not merely not heard from yet). */
    boolean allDown() {
      return members.stream().allMatch(m -> m.health == Health.DOWN);
    }
  }

  /** One member's answer to a scatter: a value, or the status of its failure. */
  record Reply<T>(Member member, T value, Status failure) {
    boolean ok() {
      return failure == null;
    }

    /** The failure for a log line: its code and description, without the cause's stack. */
    String describeFailure() {
      return failure == null ? "none"
          : failure.getCode() + (failure.getDescription() == null ? "" : ": " + failure.getDescription());
    }
  }

  /** One topology's sets and members; replaced whole when a newer topology arrives. */
  private record Layout(Topology topology, List<SetView> sets, Map<String, Member> byId) {}

  private final Function<String, ManagedChannel> channels;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final Duration healthTimeout;
  // Written under this; read without locking (an immutable snapshot).
  private volatile Layout layout;
  private ScheduledFuture<?> healthChecks;

  ConcentratorDirectory(
      Topology topology, Function<String, ManagedChannel> channels,
      ScheduledExecutorService scheduler, Clock clock, Duration healthTimeout) {
    this.channels = channels;
    this.scheduler = scheduler;
    this.clock = clock;
    this.healthTimeout = healthTimeout;
    this.layout = build(topology, Map.of());
  }

  /** The layout of {@code topology}, keeping the members (channel, health) {@code known} has. */
  private Layout build(Topology topology, Map<String, Member> known) {
    List<SetView> built = new ArrayList<>();
    Map<String, Member> byId = new LinkedHashMap<>();
    for (ConcentratorSet set : topology.getSetsList()) {
      List<Member> members = new ArrayList<>();
      for (ConcentratorEndpoint endpoint : set.getConcentratorsList()) {
        Member old = known.get(endpoint.getId());
        Member m = old != null && old.setId.equals(set.getId()) && old.endpoint.equals(endpoint)
            ? old
            : new Member(set.getId(), endpoint, channels.apply(endpoint.getAddress()));
        members.add(m);
        byId.put(m.id(), m);
      }
      built.add(new SetView(set.getId(), List.copyOf(members)));
    }
    return new Layout(topology, List.copyOf(built), Map.copyOf(byId));
  }

  /**
   * Takes a newer topology: new concentrators and sets are asked from the next request on,
   * removed ones no more (their channels close once calls in flight end). Members that stay keep
   * their channel and health. An offer that is not newer changes nothing; returns whether it was
   * taken.
   */
  boolean update(Topology offered) {
    Layout old;
    synchronized (this) {
      old = layout;
      if (offered.getVersion() <= old.topology().getVersion()) {
        return false;
      }
      layout = build(offered, old.byId());
    }
    for (Member m : old.byId().values()) {
      if (layout.byId().get(m.id()) != m) {
        m.channel.shutdown();  // graceful: calls in flight finish
      }
    }
    log.info("topology version {} -> {}: {} set(s), {} concentrator(s)",
        old.topology().getVersion(), offered.getVersion(), layout.sets().size(), layout.byId().size());
    return true;
  }

  Topology topology() {
    return layout.topology();
  }

  List<SetView> sets() {
    return layout.sets();
  }

  SetView set(String id) {
    return layout.sets().stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
  }

  /**
   * The sets from the one at index {@code start} on, wrapping around, with those whose members
   * are all known to be down moved last. Which set a request starts at is a choosing rule
   * ({@link SessionPlacer#setsFor}); this knows only which sets are up.
   */
  List<SetView> upFirst(int start) {
    List<SetView> sets = layout.sets();
    int n = sets.size();
    List<SetView> up = new ArrayList<>(n);
    List<SetView> down = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SetView set = sets.get((start + i) % n);
      (set.allDown() ? down : up).add(set);
    }
    up.addAll(down);
    return up;
  }

  /**
   * Asks every member of the set at once and waits for all answers, each bounded by
   * {@code deadline}. Members known to be down are skipped unless all are.
   */
  <T> List<Reply<T>> scatter(
      SetView set, Duration deadline, Function<ConcentratorFutureStub, ListenableFuture<T>> call) {
    return send(set, deadline, call).await();
  }

  /**
   * Like {@link #scatter}, but returns as soon as the calls are sent, so that the caller can ask
   * another set meanwhile and collect these answers later.
   */
  <T> Scatter<T> send(
      SetView set, Duration deadline, Function<ConcentratorFutureStub, ListenableFuture<T>> call) {
    List<Member> targets = set.members().stream().filter(m -> m.health != Health.DOWN).toList();
    if (targets.isEmpty()) {
      targets = set.members();
    }
    List<ListenableFuture<T>> calls = new ArrayList<>(targets.size());
    for (Member m : targets) {
      calls.add(call.apply(m.stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)));
    }
    return new Scatter<>(set, targets, calls, deadline);
  }

  /** The replies of the set that {@link #firstAnswering} settled on. */
  record Answered<T>(SetView set, List<Reply<T>> replies) {
    /** False when some member did not answer, a member the scatter skipped as down included. */
    boolean complete() {
      return replies.size() == set.members().size() && replies.stream().allMatch(Reply::ok);
    }
  }

  /**
   * The sets to ask about the whole fleet (every set sees every VM): the one named, or when
   * {@code setId} is null or empty all of them, in a fixed order.
   *
   * @throws BrokerException {@code BAD_REQUEST} when no set has that name
   */
  List<SetView> namedOrAll(String setId) {
    if (setId == null || setId.isEmpty()) {
      return upFirst(0);
    }
    SetView set = set(setId);
    if (set == null) {
      throw new BrokerException(Reason.BAD_REQUEST, "there is no set named '" + setId + "'");
    }
    return List.of(set);
  }

  /**
   * Scatters the call over the sets in {@code order}, one after the other, until some member of
   * one answers; that set's replies.
   *
   * @throws BrokerException {@code NO_SET_REACHABLE} when no member of any set answered
   */
  <T> Answered<T> firstAnswering(
      List<SetView> order, Duration deadline, Function<ConcentratorFutureStub, ListenableFuture<T>> call) {
    for (SetView set : order) {
      List<Reply<T>> replies = scatter(set, deadline, call);
      if (replies.stream().anyMatch(Reply::ok)) {
        return new Answered<>(set, replies);
      }
    }
    throw new BrokerException(Reason.NO_SET_REACHABLE,
        "no concentrator set could be reached; try again shortly");
  }

  /** Calls sent to the members of one set, whose answers are collected once. */
  final class Scatter<T> {
    private final SetView set;
    private final List<Member> targets;
    private final List<ListenableFuture<T>> calls;
    private final Duration deadline;

    private Scatter(SetView set, List<Member> targets, List<ListenableFuture<T>> calls, Duration deadline) {
      this.set = set;
      this.targets = targets;
      this.calls = calls;
      this.deadline = deadline;
    }

    SetView set() {
      return set;
    }

    /** Waits for every answer or failure; the calls' deadline bounds the wait. */
    List<Reply<T>> await() {
      List<Reply<T>> replies = new ArrayList<>(targets.size());
      for (int i = 0; i < targets.size(); i++) {
        replies.add(ConcentratorDirectory.this.await(targets.get(i), calls.get(i), deadline));
      }
      return replies;
    }
  }

  /** Asks one member; the answer or the failure, bounded by {@code deadline}. */
  <T> Reply<T> ask(
      Member member, Duration deadline, Function<ConcentratorFutureStub, ListenableFuture<T>> call) {
    return await(member,
        call.apply(member.stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)), deadline);
  }

  private <T> Reply<T> await(Member member, ListenableFuture<T> call, Duration deadline) {
    try {
      // gRPC enforces the deadline; the extra second only guards against a lost callback.
      T value = call.get(deadline.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      markUp(member, null);
      return new Reply<>(member, value, null);
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      failed(member, status);
      return new Reply<>(member, null, status);
    } catch (TimeoutException e) {
      call.cancel(true);
      Status status = Status.DEADLINE_EXCEEDED.withDescription("no answer in " + deadline.toMillis() + " ms");
      failed(member, status);
      return new Reply<>(member, null, status);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(true);
      return new Reply<>(member, null, Status.CANCELLED.withDescription("interrupted"));
    }
  }

  /**
   * A failed call: the member is down if the failure says it cannot be reached. UNIMPLEMENTED is
   * not such a failure: an older concentrator, during a rolling upgrade, lacks a newer call such
   * as CountVms yet brokers as before. (A server that is no concentrator at all fails the health
   * poll, which marks it down whatever the code.)
   */
  private void failed(Member member, Status status) {
    switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> markDown(member, status);
      default -> log.warn("concentrator {} answered {}", member.id(), status);
    }
  }

  private void markUp(Member member, HealthResponse health) {
    if (health != null) {
      member.lastHealth = health;
    }
    if (member.health != Health.UP) {
      Health before = member.health;
      member.health = Health.UP;
      member.lastError = null;
      if (before == Health.DOWN) {
        log.info("concentrator {} of set {} is up again", member.id(), member.setId);
      }
    }
  }

  private void markDown(Member member, Status status) {
    member.lastError = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    if (member.health != Health.DOWN) {
      member.downSinceMillis = clock.millis();
      member.health = Health.DOWN;
      log.warn("concentrator {} of set {} is down: {}", member.id(), member.setId, member.lastError);
    }
  }

  /** True when the member has been down without a break for longer than {@code limit}. */
  boolean downLongerThan(Member member, Duration limit) {
    return member.health == Health.DOWN && clock.millis() - member.downSinceMillis > limit.toMillis();
  }

  /** Starts polling every member's health at {@code interval}; the first poll runs at once. */
  void startHealthChecks(Duration interval) {
    healthChecks = scheduler.scheduleWithFixedDelay(
        this::checkHealthOnce, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Polls every member once, without waiting for the answers. A member that is down is reached
   * past its channel's reconnect backoff, which grows to minutes: one that is back must be seen
   * back within a poll, since its set vouches without it only while it is down (its agents move
   * back to it soon after its start).
   */
  void checkHealthOnce() {
    for (Member m : layout.byId().values()) {
      if (m.health == Health.DOWN) {
        m.channel.resetConnectBackoff();
      }
      ListenableFuture<HealthResponse> call = m.stub
          .withDeadlineAfter(healthTimeout.toNanos(), TimeUnit.NANOSECONDS)
          .health(HealthRequest.newBuilder().setEndsJournal(m.endsJournal).setEndsAfter(m.endsAfter).build());
      call.addListener(() -> {
        try {
          HealthResponse health = call.get();
          readEnds(m, health);
          markUp(m, health);
        } catch (ExecutionException e) {
          markDown(m, Status.fromThrowable(e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, Runnable::run);
    }
  }

  /**
   * Names whom to tell of the session ends the concentrators journal, as each health answer
   * brings them: the same end may come from every set and more than once.
   */
  void onSessionEnds(Consumer<List<JournaledEnd>> listener) {
    this.endsListener = listener;
  }

  private void readEnds(Member m, HealthResponse health) {
    synchronized (m) {
      if (!health.getEndsJournal().equals(m.endsJournal)) {
        m.endsJournal = health.getEndsJournal();  // a new run of the concentrator: its journal anew
        m.endsAfter = 0;
      }
      if (health.getEndsCount() > 0) {
        m.endsAfter = Math.max(m.endsAfter, health.getEnds(health.getEndsCount() - 1).getSequence());
      }
    }
    if (health.getEndsCount() > 0) {
      endsListener.accept(health.getEndsList());
    }
  }

  /** True when some set has a member that is up. */
  boolean anyUp() {
    return layout.sets().stream().anyMatch(SetView::anyUp);
  }

  @Override
  public void close() {
    if (healthChecks != null) {
      healthChecks.cancel(false);
    }
    for (Member m : layout.byId().values()) {
      m.channel.shutdownNow();
    }
  }
}
