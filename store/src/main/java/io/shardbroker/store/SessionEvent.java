package io.shardbroker.store;

import java.time.Instant;

/**
 * One line of session history. Fields that do not apply are null (a refusal has no VM or session).
 *
 * @param id assigned when written; 0 before
 * @param detail for a refusal its error code (for example {@code pool_exhausted}); free text otherwise
 */
public record SessionEvent(
    long id, Instant at, Kind kind, String user, String pool, String vmId, String sessionId,
    String broker, String requestId, String detail) {

  public enum Kind { START, RECONNECT, END, REFUSAL }

  /** Matches events; null fields match anything; {@code since} inclusive, {@code until} exclusive. */
  public record Query(
      String user, String pool, String vmId, Kind kind, Instant since, Instant until, PageRequest page) {}
}
