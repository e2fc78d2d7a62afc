package io.shardbroker.agent.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SimulatedSessionHostTest {

  private final FakeClock clock = new FakeClock();

  private SimulatedSessionHost host(Duration startDelay, Duration sessionLength, double failureRate) {
    return host(startDelay, sessionLength, failureRate, 5);
  }

  private SimulatedSessionHost host(Duration startDelay, Duration sessionLength, double failureRate,
      long seed) {
    return new SimulatedSessionHost("vm-7",
        new SimulatedSessionHost.Settings("rdp", 3390, startDelay, sessionLength, failureRate),
        clock, new Random(seed));
  }

  private static SessionSpec spec(String sessionId, String user) {
    return new SessionSpec(sessionId, user, "desktops", "vm-7");
  }

  @Test
  void startTakesTheConfiguredDelay() {
    SimulatedSessionHost host = host(Duration.ofSeconds(3), Duration.ZERO, 0.0);

    CompletableFuture<Connection> started = host.start(spec("s1", "alice"));
    clock.advance(Duration.ofMillis(2_999));
    assertThat(started).isNotDone();
    assertThat(host.truth().usersBySession()).isEmpty();
    clock.advance(Duration.ofMillis(1));

    assertThat(started).isCompletedWithValue(Connection.newBuilder()
        .setProtocol("rdp").setHost("vm-7.sim.invalid").setPort(3390).build());
    assertThat(host.truth().usersBySession()).containsExactly(Map.entry("s1", "alice"));
  }

  @Test
  void startWithoutDelayCompletesAtOnce() {
    SimulatedSessionHost host = host(Duration.ZERO, Duration.ZERO, 0.0);

    assertThat(host.start(spec("s1", "alice"))).isDone();
    assertThat(clock.pendingTasks()).isZero();
  }

  @Test
  void truthCountsRunningSessionsAndTheMostAtOnce() {
    SimulatedSessionHost host = host(Duration.ZERO, Duration.ZERO, 0.0);
    host.start(spec("s1", "alice"));
    host.start(spec("s2", "bob"));
    host.start(spec("s3", "carol"));
    host.end("s2");
    host.end("s1");
    host.start(spec("s4", "dave"));

    SimulatedSessionHost.Truth truth = host.truth();

    assertThat(truth.usersBySession()).containsExactly(Map.entry("s3", "carol"), Map.entry("s4", "dave"));
    assertThat(truth.maxConcurrentSessions()).isEqualTo(3);
  }

  @Test
  void failureRateOneFailsEveryStart() {
    SimulatedSessionHost host = host(Duration.ZERO, Duration.ZERO, 1.0);

    for (int i = 0; i < 20; i++) {
      CompletableFuture<Connection> f = host.start(spec("s" + i, "u" + i));
      assertThat(f).isCompletedExceptionally();
      assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
          .cause().isInstanceOf(SessionHostException.class).hasMessage("simulated start failure");
    }
    assertThat(host.truth().usersBySession()).isEmpty();
    assertThat(host.truth().maxConcurrentSessions()).isZero();
  }

  @Test
  void partialFailureRateIsReproducibleFromTheSeed() {
    List<Boolean> first = outcomes(host(Duration.ZERO, Duration.ZERO, 0.3, 99));
    List<Boolean> again = outcomes(host(Duration.ZERO, Duration.ZERO, 0.3, 99));

    assertThat(again).isEqualTo(first);
    long failed = first.stream().filter(ok -> !ok).count();
    assertThat(failed).isBetween(40L, 80L);  // about 30% of 200
  }

  private static List<Boolean> outcomes(SimulatedSessionHost host) {
    List<Boolean> ok = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ok.add(!host.start(spec("s" + i, "u" + i)).isCompletedExceptionally());
    }
    return ok;
  }

  @Test
  void sessionWithALengthEndsByItselfAndTellsTheListener() {
    SimulatedSessionHost host = host(Duration.ZERO, Duration.ofMinutes(10), 0.0);
    List<String> ended = new CopyOnWriteArrayList<>();
    host.onSessionEnded(ended::add);
    host.start(spec("s1", "alice"));
    clock.advance(Duration.ofMinutes(5));
    host.start(spec("s2", "bob"));

    clock.advance(Duration.ofMinutes(5));

    assertThat(ended).containsExactly("s1");
    assertThat(host.truth().usersBySession()).containsOnlyKeys("s2");
    clock.advance(Duration.ofMinutes(5));
    assertThat(ended).containsExactly("s1", "s2");
  }

  @Test
  void endingASessionCancelsItsLogoff() {
    SimulatedSessionHost host = host(Duration.ZERO, Duration.ofMinutes(10), 0.0);
    List<String> ended = new CopyOnWriteArrayList<>();
    host.onSessionEnded(ended::add);
    host.start(spec("s1", "alice"));

    assertThat(host.end("s1")).isDone();
    clock.advance(Duration.ofHours(1));

    assertThat(ended).isEmpty();  // the agent asked for it; no second report
    assertThat(clock.pendingTasks()).isZero();
    assertThat(host.end("unknown")).isDone();
  }

  @Test
  void closedHostFailsNewStartsAndStopsLogoffs() {
    SimulatedSessionHost host = host(Duration.ofSeconds(1), Duration.ofMinutes(10), 0.0);
    List<String> ended = new CopyOnWriteArrayList<>();
    host.onSessionEnded(ended::add);
    host.start(spec("s1", "alice"));
    clock.advance(Duration.ofSeconds(1));
    CompletableFuture<Connection> pending = host.start(spec("s2", "bob"));

    host.close();
    clock.advance(Duration.ofHours(1));

    assertThat(pending).isCompletedExceptionally();
    assertThatThrownBy(pending::join).cause().hasMessage("host is shutting down");
    assertThat(ended).isEmpty();
  }

  @Test
  void witnessHearsEveryStartAndEndButNoFailedStart() {
    List<String> heard = new CopyOnWriteArrayList<>();
    SimulatedSessionHost.Witness witness = new SimulatedSessionHost.Witness() {
      @Override public void started(SessionSpec s) {
        heard.add("+" + s.sessionId() + " " + s.user());
      }

      @Override public void ended(SessionSpec s) {
        heard.add("-" + s.sessionId() + " " + s.user());
      }
    };
    SimulatedSessionHost host = new SimulatedSessionHost("vm-7",
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ZERO, Duration.ofMinutes(10), 0.5),
        clock, new Random(1), witness);

    List<String> started = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      if (!host.start(spec("s" + i, "u" + i)).isCompletedExceptionally()) {
        started.add("s" + i);
      }
    }
    assertThat(started).hasSizeBetween(1, 5);  // seed 1 fails some of them
    host.end(started.get(0));
    host.end(started.get(0));  // once only
    clock.advance(Duration.ofMinutes(10));  // the rest log off by themselves

    List<String> expected = new ArrayList<>();
    started.forEach(id -> expected.add("+" + id + " u" + id.substring(1)));
    started.forEach(id -> expected.add("-" + id + " u" + id.substring(1)));
    assertThat(heard).containsExactlyElementsOf(expected);
  }

  @Test
  void settingsRejectBadValuesNamingThem() {
    Duration z = Duration.ZERO;
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings(" ", 3389, z, z, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("protocol");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 0, z, z, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 65_536, z, z, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 65536");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 3389, Duration.ofSeconds(-1), z, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start delay")
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 3389, z, Duration.ofMinutes(-2), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("session length")
        .hasMessageContaining("PT-2M");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 3389, z, z, 1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 1.5");
    assertThatThrownBy(() -> new SimulatedSessionHost.Settings("rdp", 3389, z, z, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got NaN");
  }
}
