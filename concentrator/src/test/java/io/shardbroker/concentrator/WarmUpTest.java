package io.shardbroker.concentrator;

import static io.shardbroker.concentrator.FakeAgent.session;
import static io.shardbroker.concentrator.FakeAgent.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * After its start a concentrator says, in the answers that list a user's sessions, that its view
 * may lack VMs still on their way back; it stops saying so once the warm-up has passed on its
 * clock.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WarmUpTest {

  private static final String POOL = "desktops";

  private TestConcentrator concentrator;

  @AfterEach
  void stop() {
    concentrator.close();
  }

  /** What it knows it still tells: the flag only adds that there may be more. */
  @Test
  void answersRightAfterTheStartSayWarmingUpAndStillListWhatIsKnown() {
    concentrator = new TestConcentrator();
    concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-alice", "alice", POOL)));

    FindCandidatesResponse found = find("alice");
    ListSessionsResponse listed = listSessions("alice");

    assertThat(found.getWarmingUp()).isTrue();
    assertThat(found.getExistingSessionsList()).extracting(PlacedSession::getVmId).containsExactly("vm-1");
    assertThat(listed.getWarmingUp()).isTrue();
    assertThat(listed.getSessionsList()).extracting(PlacedSession::getVmId).containsExactly("vm-1");
    assertThat(concentrator.server.warmingUp()).isTrue();
    assertThat(warmingUpGauge()).isEqualTo(1);
  }

  @Test
  void theDefaultWarmUpIsThreeHeartbeatIntervalsOnTheConcentratorsClock() {
    concentrator = new TestConcentrator();
    Duration warmUp = concentrator.settings.warmUp();
    assertThat(warmUp).isEqualTo(concentrator.settings.heartbeatInterval().multipliedBy(3));

    concentrator.clock.advance(warmUp.minusMillis(1));

    assertThat(find("alice").getWarmingUp()).isTrue();
    assertThat(listSessions("alice").getWarmingUp()).isTrue();
    assertThat(warmingUpGauge()).isEqualTo(1);

    concentrator.clock.advance(Duration.ofMillis(1));

    assertThat(find("alice").getWarmingUp()).isFalse();
    assertThat(listSessions("alice").getWarmingUp()).isFalse();
    assertThat(listSessions("").getWarmingUp()).isFalse();
    assertThat(concentrator.server.warmingUp()).isFalse();
    assertThat(warmingUpGauge()).isZero();
  }

  /** After a long outage agents come back over their reconnect backoff, not within a few beats. */
  @Test
  void theWarmUpLastsWhileVmsKeepArrivingButNotForever() {
    concentrator = new TestConcentrator();
    Duration warmUp = concentrator.settings.warmUp();
    Duration interval = concentrator.settings.heartbeatInterval();
    concentrator.clock.advance(warmUp.minus(interval.dividedBy(2)));
    concentrator.attach("vm-1", POOL, 1, state(1, true));

    concentrator.clock.advance(interval.dividedBy(2));  // the least warm-up is over...
    assertThat(find("alice").getWarmingUp()).as("a VM arrived half an interval ago").isTrue();
    concentrator.clock.advance(interval.dividedBy(2));
    assertThat(find("alice").getWarmingUp()).as("a quiet interval").isFalse();

    for (int i = 2; i <= 40; i++) {  // a fleet that keeps on arriving
      concentrator.attach("vm-" + i, POOL, 1, state(1, true));
      concentrator.clock.advance(interval.dividedBy(2));
    }
    assertThat(find("alice").getWarmingUp()).as("never more than %d warm-ups", WarmUp.MOST_LENGTHS)
        .isFalse();
  }

  /** A VM moving back from another concentrator of the set is listed there until it is here. */
  @Test
  void vmsMovingBackDoNotKeepItWarming() {
    concentrator = new TestConcentrator();
    Duration warmUp = concentrator.settings.warmUp();
    concentrator.clock.advance(warmUp.minusMillis(1));
    FakeAgent mover = FakeAgent.open(concentrator.channel, "vm-1");
    mover.hello(FakeAgent.hello("vm-1", POOL, 1, state(1, true)).toBuilder().setMoving(true).build());
    mover.welcomed();

    concentrator.clock.advance(Duration.ofMillis(1));

    assertThat(find("alice").getWarmingUp()).isFalse();
  }

  @Test
  void aSetWarmUpReplacesTheDefault() {
    concentrator = new TestConcentrator(settings().withWarmUp(Duration.ofMinutes(2)));

    concentrator.clock.advance(Duration.ofSeconds(119));
    assertThat(find("alice").getWarmingUp()).isTrue();

    concentrator.clock.advance(Duration.ofSeconds(1));
    assertThat(find("alice").getWarmingUp()).isFalse();
    assertThat(listSessions("alice").getWarmingUp()).isFalse();
  }

  @Test
  void aZeroWarmUpNeverWarms() {
    concentrator = new TestConcentrator(settings().withWarmUp(Duration.ZERO));
    concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-alice", "alice", POOL)));

    assertThat(find("alice").getWarmingUp()).isFalse();
    assertThat(listSessions("alice").getWarmingUp()).isFalse();
    assertThat(concentrator.server.warmingUp()).isFalse();
    assertThat(warmingUpGauge()).isZero();

    concentrator.clock.advance(concentrator.settings.heartbeatInterval());

    assertThat(find("alice").getWarmingUp()).isFalse();
    assertThat(listSessions("alice").getWarmingUp()).isFalse();
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static ConcentratorSettings settings() {
    return ConcentratorSettings.defaults("conc-1", "set-a", TestConcentrator.TOPOLOGY);
  }

  private FindCandidatesResponse find(String user) {
    return concentrator.broker.findCandidates(FindCandidatesRequest.newBuilder()
        .setRequestId("r-find").setUser(user).setPool(POOL).build());
  }

  private ListSessionsResponse listSessions(String user) {
    return concentrator.broker.listSessions(ListSessionsRequest.newBuilder().setUser(user).build());
  }

  private double warmingUpGauge() {
    return concentrator.meters.get("shardbroker.concentrator.warming.up").gauge().value();
  }
}
