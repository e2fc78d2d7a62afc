package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Duration INITIAL = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofMillis(1_600);

  /** A Random whose every draw is the same fraction, to pin the jitter to an edge. */
  private static Random fixed(double fraction) {
    return new Random(0) {
      @Override
      public double nextDouble() {
        return fraction;
      }
    };
  }

  private static long millis(Duration d) {
    return d.toMillis();
  }

  @Test
  void ceilingDoublesPerFailureUpToTheMax() {
    Backoff lowest = new Backoff(INITIAL, MAX, fixed(0.0));
    Backoff highest = new Backoff(INITIAL, MAX, fixed(0.999_999));

    long[] floors = new long[8];
    long[] tops = new long[8];
    for (int i = 0; i < 8; i++) {
      floors[i] = millis(lowest.next());
      tops[i] = millis(highest.next());
    }

    assertThat(floors).containsExactly(50, 100, 200, 400, 800, 800, 800, 800);
    assertThat(tops).containsExactly(99, 199, 399, 799, 1_599, 1_599, 1_599, 1_599);
  }

  @Test
  void jitteredDelaysStayBetweenHalfTheCeilingAndTheCeiling() {
    Backoff backoff = new Backoff(INITIAL, MAX, new Random(42));
    long ceiling = INITIAL.toNanos();
    long distinct = 0;
    Duration previous = null;
    for (int i = 0; i < 50; i++) {
      Duration d = backoff.next();
      assertThat(d.toNanos()).as("attempt %d", i).isBetween(ceiling / 2, ceiling);
      if (!d.equals(previous)) {
        distinct++;
      }
      previous = d;
      ceiling = Math.min(ceiling * 2, MAX.toNanos());
    }
    assertThat(distinct).as("delays are jittered, not constant").isGreaterThan(40);
  }

  @Test
  void resetStartsOverFromTheInitialDelay() {
    Backoff backoff = new Backoff(INITIAL, MAX, fixed(0.0));
    for (int i = 0; i < 6; i++) {
      backoff.next();
    }
    assertThat(backoff.next()).isEqualTo(Duration.ofMillis(800));

    backoff.reset();

    assertThat(backoff.next()).isEqualTo(Duration.ofMillis(50));
    assertThat(backoff.next()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void maxEqualToInitialGivesAConstantCeiling() {
    Backoff backoff = new Backoff(INITIAL, INITIAL, fixed(0.0));
    for (int i = 0; i < 5; i++) {
      assertThat(backoff.next()).isEqualTo(Duration.ofMillis(50));
    }
  }

  @Test
  void rejectsANonPositiveInitialDelayNamingIt() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, MAX, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initial")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new Backoff(Duration.ofMillis(-5), MAX, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-0.005S");
  }

  @Test
  void rejectsAMaxBelowTheInitialDelayNamingBoth() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT1S")
        .hasMessageContaining("PT2S");
  }
}
