package io.shardbroker.broker;

import java.util.HashMap;
import java.util.Map;

/**
 * The displays open on this broker, in all and per user, kept within {@link DisplaySettings#maxOpen}
 * and {@link DisplaySettings#maxPerUser}. A display counts from its WebSocket's opening until its
 * relay socket is closed and its thread done ({@link DisplayBridge}). Thread-safe: all state is
 * guarded by this object's monitor.
 */
final class OpenDisplays {

  private final int maxOpen;
  private final int maxPerUser;
  private int open;
  private final Map<String, Integer> perUser = new HashMap<>();

  OpenDisplays(DisplaySettings settings) {
    this.maxOpen = settings.maxOpen();
    this.maxPerUser = settings.maxPerUser();
  }

  /**
   * Why another display of {@code user} may not open now, naming the limit (at most 123 bytes, to
   * serve as a close reason too); null while there is room.
   */
  synchronized String limitFor(String user) {
    if (perUser.getOrDefault(user, 0) >= maxPerUser) {
      return "you have " + maxPerUser + " displays open, the most one user may; close one first";
    }
    if (open >= maxOpen) {
      return "this broker has " + maxOpen + " displays open, the most it takes; try again shortly";
    }
    return null;
  }

  /** Counts a display of {@code user} as open, unless a limit is reached: then returns why and counts nothing. */
  synchronized String open(String user) {
    String limit = limitFor(user);
    if (limit == null) {
      open++;
      perUser.merge(user, 1, Integer::sum);
    }
    return limit;
  }

  /** A display of {@code user} that {@link #open} counted has ended. */
  synchronized void closed(String user) {
    open--;
    perUser.computeIfPresent(user, (u, n) -> n == 1 ? null : n - 1);
  }

  /** Displays open now. */
  synchronized int count() {
    return open;
  }
}
