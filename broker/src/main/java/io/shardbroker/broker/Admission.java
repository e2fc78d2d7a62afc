package io.shardbroker.broker;

import java.time.Duration;

/**
 * How many session requests a broker works on at once, and how many more it lets wait: a broker
 * that takes every request of a storm it cannot keep up with holds them all in memory, answers
 * each later than the last, and at 100,000 VMs ran out of heap within a minute. Past these
 * bounds a request is answered at once with a retryable {@code 503 overloaded}, before its
 * password is even checked, and the requests already admitted keep their pace.
 *
 * <p>Open connections are bounded too, since each costs heap whether or not its request is
 * admitted: past {@code connections} the broker stops accepting, and further clients wait in the
 * operating system's accept queue until one closes.
 *
 * @param inFlight session requests brokered at once
 * @param queued requests that may wait for one of those places meanwhile
 * @param maxWait how long a request waits for a place before it is answered {@code overloaded}
 * @param connections HTTP connections open at once
 */
public record Admission(int inFlight, int queued, Duration maxWait, int connections) {

  /**
   * A brokering mostly waits on the network (tens of ms), so 128 at once keep a broker's cores busy
   * at thousands a second; 1,024 waiting drain in under a second at that pace, and a user would
   * rather wait a few seconds in a burst than be told to come back. An open connection costs a
   * few KiB of heap, so 10,000 of them fit any heap a broker runs with.
   */
  public static final Admission DEFAULT = new Admission(128, 1024, Duration.ofSeconds(10), 10_000);

  public Admission {
    if (inFlight < 1) {
      throw new IllegalArgumentException("admission in-flight must be at least 1, got " + inFlight);
    }
    if (queued < 0) {
      throw new IllegalArgumentException("admission queued must be 0 or more, got " + queued);
    }
    if (maxWait == null || maxWait.isNegative()) {
      throw new IllegalArgumentException("admission max wait must be zero or positive, got " + maxWait);
    }
    if (connections <= inFlight + queued) {
      throw new IllegalArgumentException("admission connections must be more than in-flight and queued "
          + "requests together (" + (inFlight + queued) + "), got " + connections);
    }
  }
}
