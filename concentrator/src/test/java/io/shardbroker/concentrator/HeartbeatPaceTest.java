package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeartbeatPaceTest {

  /** 5 s heartbeats, at most 2,000 a second: 10,000 VMs fit the configured interval. */
  private final HeartbeatPace pace = new HeartbeatPace(
      ConcentratorSettings.defaults("conc-1", "set-a", null).withMaxHeartbeatRate(2_000));

  @Test
  void aFleetThatFitsTheRateKeepsTheConfiguredInterval() {
    assertThat(pace.observe(1)).isEqualTo(5_000);
    assertThat(pace.observe(10_000)).isEqualTo(5_000);
    assertThat(pace.silenceLimit()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void aLargerFleetIsAskedForWholeSecondsAtTheRate() {
    assertThat(pace.observe(10_001)).isEqualTo(6_000);
    assertThat(pace.observe(50_000)).isEqualTo(25_000);
    assertThat(pace.intervalMillis()).isEqualTo(25_000);
    assertThat(pace.silenceLimit()).as("three missed intervals").isEqualTo(Duration.ofSeconds(75));
  }

  @Test
  void theIntervalNeverShortensSinceAgentsLearnItLate() {
    pace.observe(50_000);

    assertThat(pace.observe(100)).isEqualTo(25_000);
    assertThat(pace.silenceLimit()).isEqualTo(Duration.ofSeconds(75));
  }
}
