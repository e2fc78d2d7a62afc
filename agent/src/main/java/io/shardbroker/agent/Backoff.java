package io.shardbroker.agent;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter for reconnects: each failure doubles the ceiling up to a
 * maximum, and the actual delay is drawn between half the ceiling and the ceiling, so a fleet
 * that lost its concentrator at the same instant does not come back at the same instant.
 *
 * <p>Not thread-safe; each link owns one.
 */
final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final Random random;
  private int failures;

  Backoff(Duration initial, Duration max, Random random) {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, got " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max backoff " + max + " is below initial " + initial);
    }
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  Duration next() {
    long ceiling = initial.toNanos();
    for (int i = 0; i < failures && ceiling < max.toNanos(); i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, max.toNanos());
    failures++;
    long half = ceiling / 2;
    return Duration.ofNanos(half + (long) (random.nextDouble() * (ceiling - half)));
  }

  /** Forgets the failures, after a success. */
  void reset() {
    failures = 0;
  }
}
