package io.shardbroker.broker;

import java.time.Clock;
import java.time.Duration;

/**
 * What one session request may still spend: start attempts, and time from its arrival (waiting
 * for the user's lock included), so that a client never waits longer than the request timeout.
 * Not thread-safe: one request's, used by its thread only.
 */
final class Budget {

  private final Clock clock;
  private final int maxAttempts;
  private final long giveUpAtMillis;
  private int attempts;

  Budget(Clock clock, Duration timeout, int maxAttempts) {
    this.clock = clock;
    this.maxAttempts = maxAttempts;
    this.giveUpAtMillis = clock.millis() + timeout.toMillis();
  }

  /** Counts one start attempt. */
  void attempt() {
    attempts++;
  }

  boolean spent() {
    return attempts >= maxAttempts || clock.millis() >= giveUpAtMillis;
  }

  Duration left() {
    return Duration.ofMillis(Math.max(1, giveUpAtMillis - clock.millis()));
  }

  /** A call's own deadline, cut to what the request has left. */
  Duration cap(Duration callDeadline) {
    Duration left = left();
    return callDeadline.compareTo(left) < 0 ? callDeadline : left;
  }
}
