package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SessionArbiterTest {

  private static final String VM = "vm-1";
  private static final String POOL = "desktops";

  private final FakeClock clock = new FakeClock();
  private final ManualSessionHost host = new ManualSessionHost();
  private final AtomicInteger sessionCounter = new AtomicInteger();
  /** Every state the arbiter reported, in the order it reported them. */
  private final List<VmState> changes = new CopyOnWriteArrayList<>();

  private SessionArbiter arbiter(int capacity) {
    return arbiter(capacity, host);
  }

  private SessionArbiter arbiter(int capacity, SessionHost sessionHost) {
    SessionArbiter arbiter = new SessionArbiter(VM, POOL, capacity, sessionHost, new TicketBook(clock), clock,
        () -> "s-" + sessionCounter.incrementAndGet(), changes::add);
    arbiter.reconcile(List.of(), arbiter.listingAsked());  // the host runs nothing yet
    changes.clear();
    return arbiter;
  }

  private static StartRequest start(String requestId, String user) {
    return StartRequest.newBuilder().setRequestId(requestId).setUser(user).setPool(POOL).build();
  }

  private static EndRequest endSession(String requestId, String sessionId) {
    return EndRequest.newBuilder().setRequestId(requestId).setSessionId(sessionId).build();
  }

  private static EndRequest rollBack(String requestId, String startRequestId) {
    return EndRequest.newBuilder().setRequestId(requestId).setStartRequestId(startRequestId).build();
  }

  /** The answer of a future that must already be complete. */
  private static <T> T done(CompletableFuture<T> f) {
    assertThat(f).isDone();
    return f.join();
  }

  private static List<String> sessionIds(VmState state) {
    return state.getSessionsList().stream().map(Session::getSessionId).toList();
  }

  // ---- capacity ------------------------------------------------------------------------------

  @Test
  void singleUserDesktopAcceptsOneStartAndRefusesTheNext() {
    SessionArbiter arbiter = arbiter(1);

    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    host.finishNext();
    StartAnswer refused = done(arbiter.start(start("r2", "bob")));

    StartAnswer accepted = done(first);
    assertThat(accepted.getAccepted()).isTrue();
    assertThat(accepted.getRequestId()).isEqualTo("r1");
    assertThat(accepted.getExisting()).isFalse();
    assertThat(accepted.getSession().getUser()).isEqualTo("alice");
    assertThat(accepted.getSession().getPool()).isEqualTo(POOL);
    assertThat(accepted.getSession().getRequestId()).isEqualTo("r1");
    assertThat(accepted.getSession().getConnection().getHost()).isEqualTo("desk.example");
    assertThat(accepted.getSession().getStartedAtMs()).isEqualTo(clock.millis());
    assertThat(refused.getAccepted()).isFalse();
    assertThat(refused.getRequestId()).isEqualTo("r2");
    assertThat(refused.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(host.starts()).hasSize(1);
    assertThat(arbiter.snapshot().getSessionsList()).extracting(Session::getUser).containsExactly("alice");
  }

  @Test
  void aStartStillInFlightHoldsItsSlot() {
    // Two brokers racing for one desktop: the second must be refused before the host answers.
    SessionArbiter arbiter = arbiter(1);

    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    StartAnswer second = done(arbiter.start(start("r2", "bob")));

    assertThat(first).isNotDone();
    assertThat(second.getAccepted()).isFalse();
    assertThat(second.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(host.starts()).extracting(s -> s.user()).containsExactly("alice");
  }

  @Test
  void multiSessionHostAcceptsUpToItsCapacity() {
    SessionArbiter arbiter = arbiter(3);

    CompletableFuture<StartAnswer> a = arbiter.start(start("r1", "alice"));
    CompletableFuture<StartAnswer> b = arbiter.start(start("r2", "bob"));
    host.finishNext();
    CompletableFuture<StartAnswer> c = arbiter.start(start("r3", "carol"));
    StartAnswer fourth = done(arbiter.start(start("r4", "dave")));
    host.finishNext();
    host.finishNext();

    assertThat(List.of(done(a), done(b), done(c))).allSatisfy(x -> assertThat(x.getAccepted()).isTrue());
    assertThat(fourth.getAccepted()).isFalse();
    assertThat(fourth.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(arbiter.snapshot().getSessionsList()).extracting(Session::getUser)
        .containsExactly("alice", "bob", "carol");
    assertThat(sessionIds(arbiter.snapshot())).doesNotHaveDuplicates();
  }

  @Test
  void endingASessionFreesItsSlot() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    host.finishNext();
    String sessionId = done(first).getSession().getSessionId();

    assertThat(done(arbiter.end(endSession("e1", sessionId))).getEnded()).isTrue();
    CompletableFuture<StartAnswer> next = arbiter.start(start("r2", "bob"));
    host.finishNext();

    assertThat(done(next).getAccepted()).isTrue();
  }

  // ---- idempotence ---------------------------------------------------------------------------

  @Test
  void repeatedRequestIdGetsTheSameAnswer() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    host.finishNext();

    StartAnswer repeat = done(arbiter.start(start("r1", "alice")));

    assertThat(repeat.getAccepted()).isTrue();
    assertThat(repeat.getRequestId()).isEqualTo("r1");
    assertThat(repeat.getSession().getSessionId()).isEqualTo(done(first).getSession().getSessionId());
    // Each answer carries a fresh one-time ticket.
    assertThat(repeat.getSession().getConnection().getTicket()).startsWith("sct-")
        .isNotEqualTo(done(first).getSession().getConnection().getTicket());
    assertThat(host.starts()).hasSize(1);
  }

  @Test
  void repeatedRequestIdWhileTheFirstIsInFlightGetsTheSameSession() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    CompletableFuture<StartAnswer> repeat = arbiter.start(start("r1", "alice"));
    assertThat(repeat).isNotDone();

    host.finishNext();

    assertThat(done(repeat).getAccepted()).isTrue();
    assertThat(done(repeat).getSession().getSessionId())
        .isEqualTo(done(first).getSession().getSessionId());
    assertThat(host.starts()).hasSize(1);
  }

  @Test
  void aRequestIdRepeatedAfterItsSessionEndedNeverGetsTheDeadSession() {
    // A client that reuses its request id for a new request must not be sent to a logged-off desktop.
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    host.finishNext();
    done(arbiter.end(endSession("e1", done(first).getSession().getSessionId())));

    StartAnswer repeat = done(arbiter.start(start("r1", "alice")));

    assertThat(repeat.getAccepted()).isFalse();
    assertThat(repeat.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_SESSION_ENDED);
    assertThat(host.starts()).hasSize(1);
  }

  @Test
  void repeatedRefusalStaysARefusal() {
    SessionArbiter arbiter = arbiter(1);
    arbiter.start(start("r1", "alice"));
    assertThat(done(arbiter.start(start("r2", "bob"))).getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);

    StartAnswer repeat = done(arbiter.start(start("r2", "bob")));

    assertThat(repeat.getAccepted()).isFalse();
    assertThat(repeat.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(host.starts()).hasSize(1);
  }

  @Test
  void sameRequestIdFromAnotherUserIsRefused() {
    SessionArbiter arbiter = arbiter(3);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));

    StartAnswer whileInFlight = done(arbiter.start(start("r1", "mallory")));
    host.finishNext();
    StartAnswer afterwards = done(arbiter.start(start("r1", "mallory")));

    assertThat(done(first).getAccepted()).isTrue();
    for (StartAnswer a : List.of(whileInFlight, afterwards)) {
      assertThat(a.getAccepted()).isFalse();
      assertThat(a.getRequestId()).isEqualTo("r1");
      assertThat(a.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_REQUEST_ID_TAKEN);
    }
    assertThat(host.starts()).extracting(s -> s.user()).containsExactly("alice");
  }

  // ---- one session per user ------------------------------------------------------------------

  @Test
  void secondRequestOfTheSameUserGetsTheExistingSession() {
    SessionArbiter arbiter = arbiter(3);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    host.finishNext();

    StartAnswer second = done(arbiter.start(start("r2", "alice")));

    assertThat(second.getAccepted()).isTrue();
    assertThat(second.getExisting()).isTrue();
    assertThat(second.getRequestId()).isEqualTo("r2");
    assertThat(second.getSession().getSessionId()).isEqualTo(done(first).getSession().getSessionId());
    assertThat(host.starts()).hasSize(1);
  }

  @Test
  void existingSessionIsReturnedEvenWhenTheVmIsFull() {
    SessionArbiter arbiter = arbiter(1);
    arbiter.start(start("r1", "alice"));
    host.finishNext();

    StartAnswer reconnect = done(arbiter.start(start("r2", "alice")));

    assertThat(reconnect.getAccepted()).isTrue();
    assertThat(reconnect.getExisting()).isTrue();
  }

  @Test
  void concurrentRequestsOfOneUserShareOneSession() {
    SessionArbiter arbiter = arbiter(3);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    CompletableFuture<StartAnswer> second = arbiter.start(start("r2", "alice"));
    assertThat(second).isNotDone();

    host.finishNext();

    assertThat(done(first).getExisting()).isFalse();
    assertThat(done(second).getAccepted()).isTrue();
    assertThat(done(second).getExisting()).isTrue();
    assertThat(done(second).getRequestId()).isEqualTo("r2");
    assertThat(done(second).getSession().getSessionId())
        .isEqualTo(done(first).getSession().getSessionId());
    assertThat(host.starts()).hasSize(1);
    assertThat(arbiter.snapshot().getSessionsCount()).isEqualTo(1);
  }

  @Test
  void concurrentRequestOfOneUserSharesTheRefusalWhenTheHostFails() {
    SessionArbiter arbiter = arbiter(3);
    CompletableFuture<StartAnswer> first = arbiter.start(start("r1", "alice"));
    CompletableFuture<StartAnswer> second = arbiter.start(start("r2", "alice"));

    host.failNext("disk full");

    assertThat(done(first).getAccepted()).isFalse();
    assertThat(done(second).getAccepted()).isFalse();
    assertThat(done(second).getRequestId()).isEqualTo("r2");
    assertThat(done(second).getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_HOST_FAILED);
    assertThat(done(second).getRefusalDetail()).contains("disk full");
  }

  // ---- refusals ------------------------------------------------------------------------------

  @Test
  void startForAnotherPoolIsRefused() {
    SessionArbiter arbiter = arbiter(1);

    StartAnswer answer = done(arbiter.start(
        StartRequest.newBuilder().setRequestId("r1").setUser("alice").setPool("gpu").build()));

    assertThat(answer.getAccepted()).isFalse();
    assertThat(answer.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_WRONG_POOL);
    assertThat(answer.getRefusalDetail()).contains("desktops").contains("gpu");
    assertThat(host.starts()).isEmpty();
  }

  @Test
  void vmThatIsNotAcceptingRefusesButKeepsItsSessions() {
    SessionArbiter arbiter = arbiter(3);
    arbiter.start(start("r1", "alice"));
    host.finishNext();

    arbiter.setAccepting(false);
    StartAnswer refused = done(arbiter.start(start("r2", "bob")));
    StartAnswer reconnect = done(arbiter.start(start("r3", "alice")));

    assertThat(refused.getAccepted()).isFalse();
    assertThat(refused.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_NOT_ACCEPTING);
    assertThat(refused.getState().getAccepting()).isFalse();
    assertThat(reconnect.getAccepted()).isTrue();
    assertThat(reconnect.getExisting()).isTrue();

    arbiter.setAccepting(true);
    CompletableFuture<StartAnswer> again = arbiter.start(start("r4", "bob"));
    host.finishNext();
    assertThat(done(again).getAccepted()).isTrue();
  }

  @Test
  void hostFailureRefusesAndFreesTheSlot() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> failed = arbiter.start(start("r1", "alice"));

    host.failNext("no display");

    assertThat(done(failed).getAccepted()).isFalse();
    assertThat(done(failed).getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_HOST_FAILED);
    assertThat(done(failed).getRefusalDetail()).isEqualTo("no display");
    assertThat(arbiter.snapshot().getSessionsCount()).isZero();
    CompletableFuture<StartAnswer> next = arbiter.start(start("r2", "bob"));
    host.finishNext();
    assertThat(done(next).getAccepted()).isTrue();
  }

  @Test
  void hostThrowingOnStartRefusesAndFreesTheSlot() {
    SessionArbiter arbiter = arbiter(1);
    host.throwOnStart(new IllegalStateException("executor gone"));

    StartAnswer answer = done(arbiter.start(start("r1", "alice")));

    assertThat(answer.getAccepted()).isFalse();
    assertThat(answer.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_HOST_FAILED);
    assertThat(answer.getRefusalDetail()).isEqualTo("executor gone");
    host.throwOnStart(null);
    CompletableFuture<StartAnswer> next = arbiter.start(start("r2", "bob"));
    host.finishNext();
    assertThat(done(next).getAccepted()).isTrue();
  }

  // ---- ending --------------------------------------------------------------------------------

  @Test
  void endBySessionIdRemovesItAndReportsTheNewState() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> started = arbiter.start(start("r1", "alice"));
    host.finishNext();
    String sessionId = done(started).getSession().getSessionId();
    long sequenceBefore = arbiter.snapshot().getSequence();

    EndAnswer ended = done(arbiter.end(endSession("e1", sessionId)));

    assertThat(ended.getEnded()).isTrue();
    assertThat(ended.getRequestId()).isEqualTo("e1");
    assertThat(ended.getState().getSessionsList()).isEmpty();
    assertThat(ended.getState().getSequence()).isGreaterThan(sequenceBefore);
    assertThat(host.ends()).containsExactly(sessionId);
    VmState last = changes.get(changes.size() - 1);
    assertThat(last.getSessionsList()).isEmpty();
    assertThat(last.getSequence()).isEqualTo(ended.getState().getSequence());
  }

  @Test
  void endingAnUnknownSessionSaysNotEnded() {
    SessionArbiter arbiter = arbiter(1);
    long sequenceBefore = arbiter.snapshot().getSequence();

    EndAnswer answer = done(arbiter.end(endSession("e1", "no-such-session")));

    assertThat(answer.getEnded()).isFalse();
    assertThat(answer.getRequestId()).isEqualTo("e1");
    assertThat(answer.getState().getSequence()).isEqualTo(sequenceBefore);
    assertThat(host.ends()).isEmpty();
    assertThat(changes).isEmpty();
  }

  @Test
  void userLoggingOffOnTheHostEndsTheSession() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> started = arbiter.start(start("r1", "alice"));
    host.finishNext();

    host.logOff(done(started).getSession().getSessionId());

    assertThat(arbiter.snapshot().getSessionsList()).isEmpty();
    assertThat(changes.get(changes.size() - 1).getSessionsList()).isEmpty();
  }

  // ---- rollback ------------------------------------------------------------------------------

  @Test
  void rollbackBeforeTheStartArrivesRefusesItLater() {
    SessionArbiter arbiter = arbiter(1);

    EndAnswer rolledBack = done(arbiter.end(rollBack("e1", "r1")));
    StartAnswer late = done(arbiter.start(start("r1", "alice")));

    assertThat(rolledBack.getEnded()).isTrue();
    assertThat(late.getAccepted()).isFalse();
    assertThat(late.getRequestId()).isEqualTo("r1");
    assertThat(late.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_CANCELLED);
    assertThat(host.starts()).isEmpty();
    // Another start is not affected.
    CompletableFuture<StartAnswer> other = arbiter.start(start("r2", "alice"));
    host.finishNext();
    assertThat(done(other).getAccepted()).isTrue();
  }

  @Test
  void rollbackWhileTheHostIsStartingEndsTheSessionAsSoonAsItExists() {
    FakeClock hostClock = new FakeClock();
    SimulatedSessionHost simulated = new SimulatedSessionHost(VM,
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ofSeconds(5), Duration.ZERO, 0.0),
        hostClock, new Random(7));
    SessionArbiter arbiter = arbiter(1, simulated);
    CompletableFuture<StartAnswer> start = arbiter.start(start("r1", "alice"));

    EndAnswer rolledBack = done(arbiter.end(rollBack("e1", "r1")));
    hostClock.advance(Duration.ofSeconds(5));

    assertThat(rolledBack.getEnded()).isTrue();
    assertThat(done(start).getAccepted()).isFalse();
    assertThat(done(start).getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_CANCELLED);
    assertThat(simulated.truth().usersBySession()).isEmpty();
    assertThat(simulated.truth().maxConcurrentSessions()).isEqualTo(1);  // it did start, then went
    assertThat(arbiter.snapshot().getSessionsList()).isEmpty();
    // A repeat of the rolled-back start is refused too.
    assertThat(done(arbiter.start(start("r1", "alice"))).getAccepted()).isFalse();
  }

  @Test
  void rollbackAfterAcceptanceEndsTheSession() {
    SessionArbiter arbiter = arbiter(1);
    CompletableFuture<StartAnswer> start = arbiter.start(start("r1", "alice"));
    host.finishNext();
    String sessionId = done(start).getSession().getSessionId();

    EndAnswer rolledBack = done(arbiter.end(rollBack("e1", "r1")));

    assertThat(rolledBack.getEnded()).isTrue();
    assertThat(rolledBack.getState().getSessionsList()).isEmpty();
    assertThat(host.ends()).containsExactly(sessionId);
    assertThat(done(arbiter.start(start("r1", "alice"))).getAccepted()).isFalse();
  }

  @Test
  void rollbackOfAReconnectLeavesTheEarlierSessionAlone() {
    SessionArbiter arbiter = arbiter(1);
    arbiter.start(start("r1", "alice"));
    host.finishNext();
    assertThat(done(arbiter.start(start("r2", "alice"))).getExisting()).isTrue();

    done(arbiter.end(rollBack("e1", "r2")));

    assertThat(arbiter.snapshot().getSessionsList()).extracting(Session::getRequestId)
        .containsExactly("r1");
    assertThat(host.ends()).isEmpty();
  }

  // ---- host-driven ends and sequences --------------------------------------------------------

  @Test
  void sessionThatEndsOnTheSimulatedHostDisappears() {
    SimulatedSessionHost simulated = new SimulatedSessionHost(VM,
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ZERO, Duration.ofMinutes(30), 0.0),
        clock, new Random(7));
    SessionArbiter arbiter = arbiter(1, simulated);
    StartAnswer started = done(arbiter.start(start("r1", "alice")));
    assertThat(started.getAccepted()).isTrue();

    clock.advance(Duration.ofMinutes(29));
    assertThat(arbiter.snapshot().getSessionsCount()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));

    assertThat(arbiter.snapshot().getSessionsList()).isEmpty();
    assertThat(simulated.truth().usersBySession()).isEmpty();
    assertThat(changes).hasSize(2);
    assertThat(changes.get(1).getSessionsList()).isEmpty();
    assertThat(changes.get(1).getSequence()).isGreaterThan(started.getState().getSequence());
  }

  @Test
  void everyStateChangeHasAHigherSequence() {
    SessionArbiter arbiter = arbiter(3);
    CompletableFuture<StartAnswer> a = arbiter.start(start("r1", "alice"));
    CompletableFuture<StartAnswer> b = arbiter.start(start("r2", "bob"));
    host.finishNext();
    host.finishNext();
    arbiter.setAccepting(false);
    arbiter.setAccepting(false);  // no change, no report
    arbiter.setAccepting(true);
    done(arbiter.end(endSession("e1", done(a).getSession().getSessionId())));
    host.logOff(done(b).getSession().getSessionId());

    assertThat(changes).hasSize(6);
    assertThat(changes).extracting(VmState::getSequence).isSorted().doesNotHaveDuplicates();
    assertThat(changes.get(0).getSequence()).isGreaterThan(1);
    assertThat(arbiter.snapshot()).isEqualTo(changes.get(changes.size() - 1));
  }

  // ---- real threads ---------------------------------------------------------------------------

  /** Runs {@code starts} start calls at once on as many threads and returns their answers. */
  private static List<StartAnswer> race(int starts, IntFunction<CompletableFuture<StartAnswer>> start)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(starts);
    try {
      CyclicBarrier gate = new CyclicBarrier(starts);
      List<Future<CompletableFuture<StartAnswer>>> calls = new ArrayList<>();
      for (int i = 0; i < starts; i++) {
        int n = i;
        calls.add(pool.submit(() -> {
          gate.await();
          return start.apply(n);
        }));
      }
      List<StartAnswer> answers = new ArrayList<>();
      for (Future<CompletableFuture<StartAnswer>> call : calls) {
        answers.add(call.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS));
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(30)
  void racingStartsOfManyUsersPutOneUserOnASingleUserDesktop() throws Exception {
    for (int round = 0; round < 50; round++) {
      SimulatedSessionHost desktop = new SimulatedSessionHost(VM, SimulatedSessionHost.Settings.DEFAULTS,
          clock, new Random(round));
      SessionArbiter arbiter = arbiter(1, desktop);

      List<StartAnswer> answers = race(8, n -> arbiter.start(start("r" + n, "user" + n)));

      assertThat(answers).filteredOn(StartAnswer::getAccepted).hasSize(1);
      assertThat(answers).filteredOn(a -> !a.getAccepted())
          .allSatisfy(a -> assertThat(a.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL));
      assertThat(desktop.truth().maxConcurrentSessions()).isEqualTo(1);
    }
  }

  @Test
  @Timeout(30)
  void racingRepeatsOfOneRequestStartOneSession() throws Exception {
    for (int round = 0; round < 50; round++) {
      SimulatedSessionHost desktop = new SimulatedSessionHost(VM, SimulatedSessionHost.Settings.DEFAULTS,
          clock, new Random(round));
      SessionArbiter arbiter = arbiter(3, desktop);

      List<StartAnswer> answers = race(8, n -> arbiter.start(start("r1", "alice")));

      assertThat(answers).allSatisfy(a -> assertThat(a.getAccepted()).isTrue());
      assertThat(answers).extracting(a -> a.getSession().getSessionId()).containsOnly(
          answers.get(0).getSession().getSessionId());
      assertThat(desktop.truth().usersBySession()).hasSize(1);
    }
  }
}
