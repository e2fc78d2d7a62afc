package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConcentratorSettingsTest {

  private final ConcentratorSettings defaults = ConcentratorSettings.defaults("conc-1", "set-a", null);

  @Test
  void theDefaultWarmUpIsThreeHeartbeatIntervals() {
    assertThat(defaults.warmUp()).isEqualTo(Duration.ofSeconds(15));
    assertThat(new ConcentratorSettings("conc-1", "set-a", null, Duration.ofSeconds(2), 3,
        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMinutes(10), 8).warmUp())
        .isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void aDefaultWarmUpFollowsTheHeartbeatIntervalAndASetOneStays() {
    assertThat(defaults.withHeartbeatInterval(Duration.ofMillis(500)).warmUp())
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(defaults.withWarmUp(Duration.ofMinutes(1)).withHeartbeatInterval(Duration.ofSeconds(1))
        .warmUp()).isEqualTo(Duration.ofMinutes(1));
    assertThat(defaults.withWarmUp(Duration.ZERO).withHeartbeatInterval(Duration.ofSeconds(1))
        .warmUp()).isZero();
  }

  @Test
  void aZeroWarmUpIsAllowed() {
    assertThat(defaults.withWarmUp(Duration.ZERO).warmUp()).isZero();
  }

  @Test
  void aNegativeWarmUpIsRefusedWithItsValue() {
    assertThatThrownBy(() -> defaults.withWarmUp(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("warm-up must be zero or positive, got PT-1S");
    assertThatThrownBy(() -> defaults.withWarmUp(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("warm-up");
  }

  @Test
  void aHeartbeatRateBelowOneASecondIsRefused() {
    ConcentratorSettings defaults = ConcentratorSettings.defaults("conc-1", "set-a", null);

    assertThat(defaults.maxHeartbeatRate()).isEqualTo(ConcentratorSettings.MAX_HEARTBEAT_RATE_DEFAULT);
    assertThatThrownBy(() -> defaults.withMaxHeartbeatRate(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max heartbeat rate must be at least 1 a second, got 0");
  }

  @Test
  void aMissingHeartbeatIntervalIsNamedEvenWithTheDefaultWarmUp() {
    assertThatThrownBy(() -> new ConcentratorSettings("conc-1", "set-a", null, null, 3,
        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMinutes(10), 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("heartbeat interval must be positive, got null");
  }
}
