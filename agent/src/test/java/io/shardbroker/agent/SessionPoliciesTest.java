package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.v1.DisplayState;
import io.shardbroker.protocol.v1.EndReason;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.EndedSession;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.SessionPolicy;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Display states and the pools' logoff limits, on the agent's clock: what the relay reports makes
 * sessions active or disconnected in the VM's state, and a session past a limit is logged off with
 * that limit as the reason every set hears.
 */
@Timeout(30)
class SessionPoliciesTest {

  private static final SessionPolicy TEN_MINUTES_EACH = SessionPolicy.newBuilder()
      .setIdleLogoffAfterS(600).setDisconnectedLogoffAfterS(600).build();

  private final FakeClock clock = new FakeClock();
  private final ManualSessionHost host = new ManualSessionHost().relayingDisplays();
  private final AtomicInteger ids = new AtomicInteger();
  private final SessionArbiter arbiter = new SessionArbiter("vm-1", "linux", 1, host, new TicketBook(clock), clock,
      () -> "s-" + ids.incrementAndGet(), state -> {});
  private final SessionPolicies policies = new SessionPolicies(arbiter, clock);

  SessionPoliciesTest() {
    arbiter.reconcile(List.of(), arbiter.listingAsked());  // the host runs nothing yet
  }

  @Test
  void aSessionIsDisconnectedUntilViewedAndActiveWhileViewed() {
    Session started = start(TEN_MINUTES_EACH);
    assertThat(started.getDisplay()).isEqualTo(DisplayState.DISPLAY_DISCONNECTED);
    assertThat(started.getPolicy()).isEqualTo(TEN_MINUTES_EACH);

    clock.advance(Duration.ofSeconds(30));
    policies.connected(started.getSessionId());
    assertThat(session().getDisplay()).isEqualTo(DisplayState.DISPLAY_ACTIVE);
    assertThat(session().getDisplaySinceMs()).isEqualTo(clock.millis());

    policies.disconnected(started.getSessionId());
    assertThat(session().getDisplay()).isEqualTo(DisplayState.DISPLAY_DISCONNECTED);
  }

  @Test
  void aSessionDisconnectedPastItsLimitIsLoggedOffAndSaysWhy() {
    Session started = start(TEN_MINUTES_EACH);
    policies.connected(started.getSessionId());
    policies.disconnected(started.getSessionId());

    clock.advance(Duration.ofMinutes(10).minusSeconds(1));
    policies.enforce();
    assertThat(host.ends()).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    policies.enforce();
    assertThat(host.ends()).containsExactly(started.getSessionId());
    assertThat(arbiter.snapshot().getSessionsList()).isEmpty();
    assertThat(arbiter.snapshot().getRecentEndsList()).extracting(EndedSession::getSessionId, EndedSession::getReason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(started.getSessionId(), EndReason.END_REASON_DISCONNECTED));
  }

  @Test
  void inputKeepsAViewedSessionAliveAndItsAbsenceLogsItOff() {
    Session started = start(TEN_MINUTES_EACH);
    policies.connected(started.getSessionId());
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(9));
      policies.input(started.getSessionId());
      policies.enforce();
    }
    assertThat(host.ends()).as("45 minutes of work, input every 9").isEmpty();

    clock.advance(Duration.ofMinutes(10));
    policies.enforce();
    assertThat(arbiter.snapshot().getRecentEnds(0).getReason()).isEqualTo(EndReason.END_REASON_IDLE);
  }

  @Test
  void withoutLimitsNothingIsLoggedOffAndEndsSayWhoEndedThem() {
    Session started = start(SessionPolicy.getDefaultInstance());
    clock.advance(Duration.ofDays(3));
    policies.enforce();
    assertThat(host.ends()).isEmpty();

    arbiter.end(EndRequest.newBuilder().setRequestId("r-end").setSessionId(started.getSessionId()).build());
    Session another = start(SessionPolicy.getDefaultInstance());
    host.logOff(another.getSessionId());

    VmState state = arbiter.snapshot();
    assertThat(state.getRecentEndsList()).extracting(EndedSession::getReason)
        .containsExactly(EndReason.END_REASON_REQUESTED, EndReason.END_REASON_LOGGED_OFF);
    clock.advance(RecentEnds.KEPT.plusSeconds(1));
    assertThat(arbiter.snapshot().getRecentEndsList()).as("forgotten after a while").isEmpty();
  }

  @Test
  void hostsWhoseDisplaysTheAgentDoesNotSeeReportNoDisplayState() {
    ManualSessionHost exec = new ManualSessionHost();
    SessionArbiter plain = new SessionArbiter("vm-2", "linux", 1, exec, new TicketBook(clock), clock, () -> "p-1",
        state -> {});
    plain.reconcile(List.of(), plain.listingAsked());
    plain.start(StartRequest.newBuilder().setRequestId("r").setUser("bob").setPool("linux").build());
    exec.finishNext();
    assertThat(plain.snapshot().getSessions(0).getDisplay()).isEqualTo(DisplayState.DISPLAY_STATE_UNSPECIFIED);
  }

  private Session start(SessionPolicy policy) {
    int before = arbiter.snapshot().getSessionsCount();
    arbiter.start(StartRequest.newBuilder().setRequestId("r-" + (ids.get() + 1)).setUser("bob").setPool("linux")
        .setPolicy(policy).build());
    host.finishNext();
    assertThat(arbiter.snapshot().getSessionsCount()).isEqualTo(before + 1);
    return arbiter.snapshot().getSessions(before);
  }

  private Session session() {
    return arbiter.snapshot().getSessions(0);
  }
}
