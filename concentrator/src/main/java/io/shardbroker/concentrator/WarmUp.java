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
 * <p>It lasts at least its {@code length}, and then as long as VMs keep arriving from nowhere in
 * the set (one did within the last {@code quiet}): after a long outage agents come back over their
 * whole reconnect backoff, not within a few heartbeats. VMs moving back from another
 * concentrator of the set do not count: that one lists them until they are here. It never lasts more than {@value #MOST_LENGTHS} lengths,
 * so that a fleet that keeps growing does not keep it warming for good. Why brokers must know:
 * docs/design.md, "When a set may vouch".
 *
 * <p>Thread-safe: {@link #start} writes once, from the thread that starts the server; any thread
 * may report an arrival or ask {@link #warming}. Before the start there is nothing to know, so a
 * non-zero warm-up counts as under way.
 */
final class WarmUp {

  static final int MOST_LENGTHS = 4;

  private final Duration length;
  private final Duration quiet;
  private final Clock clock;
  /** When the warm-up ends at the earliest; null until the start. */
  private volatile Instant end;
  /** When the last VM arrived; null before the first. */
  private volatile Instant lastArrival;

  WarmUp(Duration length, Duration quiet, Clock clock) {
    this.length = length;
    this.quiet = quiet;
    this.clock = clock;
  }

  /** Starts the warm-up now, by the clock. */
  void start() {
    end = clock.instant().plus(length);
  }

  Duration length() {
    return length;
  }

  /** A VM attached that no other concentrator of the set held (not a make-before-break move). */
  void vmArrived() {
    lastArrival = clock.instant();
  }

  /** True until the warm-up is over (see the class comment); never for a zero warm-up. */
  boolean warming() {
    if (length.isZero()) {
      return false;
    }
    Instant until = end;
    if (until == null) {
      return true;
    }
    Instant now = clock.instant();
    if (now.isBefore(until)) {
      return true;
    }
    Instant last = lastArrival;
    return last != null && now.isBefore(last.plus(quiet))
        && now.isBefore(until.plus(length.multipliedBy(MOST_LENGTHS - 1)));
  }
}
