package io.shardbroker.concentrator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The time after a concentrator's start during which its view may lack VMs: the agents that moved
 * to another concentrator of the set while this one was down have not all come back yet. While
 * it lasts, answers to brokers say so, and brokers do not take this concentrator's "no session"
 * alone as the truth.
 *
 * <p>Thread-safe: {@link #start} writes once, from the thread that starts the server; any thread
 * may ask {@link #warming}. Before the start there is nothing to know, so a non-zero warm-up
 * counts as under way.
 */
final class WarmUp {

  private final Duration length;
  private final Clock clock;
  /** When the warm-up ends; null until the start. */
  private volatile Instant end;

  WarmUp(Duration length, Clock clock) {
    this.length = length;
    this.clock = clock;
  }

  /** Starts the warm-up now, by the clock. */
  void start() {
    end = clock.instant().plus(length);
  }

  Duration length() {
    return length;
  }

  /** True until {@link #length} has passed since the start; never for a zero warm-up. */
  boolean warming() {
    if (length.isZero()) {
      return false;
    }
    Instant until = end;
    return until == null || clock.instant().isBefore(until);
  }
}
