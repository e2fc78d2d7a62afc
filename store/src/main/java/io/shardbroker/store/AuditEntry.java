package io.shardbroker.store;

import java.time.Instant;

/**
 * One admin change. {@code action} is a dotted name such as {@code pool.create}, {@code vm.drain};
 * {@code target} names what changed; {@code detail} says how, as text for people.
 */
public record AuditEntry(
    long id, Instant at, String actor, String broker, String action, String target, String detail) {

  /** Matches entries; null fields match anything; {@code action} matches a prefix ("pool." finds all pool changes). */
  public record Query(String actor, String action, String target, Instant since, Instant until, PageRequest page) {}
}
