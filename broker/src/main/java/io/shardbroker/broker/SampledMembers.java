package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Health;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.PoolFreeSlots;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * The members of a set that a sampled candidate search asks ({@link CandidateSearch.Mode#SAMPLED}):
 * the {@code d} that advertised the most free slots in the pool in their last health answer.
 *
 * <p>Free slots come from the health polls the directory makes anyway, so choosing costs no
 * message; they are as old as the last poll, so the choice follows where the room was, not where
 * it is. A member that has not said (no health answer yet, or no VM of the pool) counts as having
 * none. Ties are broken at random, so that brokers with the same view spread over the tied
 * members instead of all asking the same ones.
 *
 * <p>Only members not known to be down are chosen, as a scatter would ask them; when fewer than
 * {@code d} are, all of those are asked, and when none is, the choice is among all members (as a
 * scatter falls back to asking all).
 */
final class SampledMembers {

  private SampledMembers() {}

  /**
   * The set narrowed to the members to ask for candidates in {@code pool}. Its answers vouch for
   * the whole set, which is the trade-off {@link CandidateSearch} describes.
   */
  static SetView of(SetView set, String pool, int d, RandomGenerator random) {
    List<Member> up = set.members().stream().filter(m -> m.health != Health.DOWN).toList();
    List<Member> from = up.isEmpty() ? set.members() : up;
    return new SetView(set.id(), choose(from, m -> freeSlots(m.lastHealth, pool), d, random));
  }

  /**
   * The {@code d} members with the most free slots, most first, ties in random order; all of them
   * when there are no more than {@code d}. Pure: the same members, slots and random sequence give
   * the same choice.
   */
  static <M> List<M> choose(List<M> members, ToLongFunction<M> freeSlots, int d, RandomGenerator random) {
    record Ranked<T>(T member, long free, long tieBreak) {}
    List<Ranked<M>> ranked = new ArrayList<>(members.size());
    for (M m : members) {
      ranked.add(new Ranked<>(m, freeSlots.applyAsLong(m), random.nextLong()));
    }
    ranked.sort(Comparator.comparingLong((Ranked<M> r) -> r.free()).reversed()
        .thenComparingLong(Ranked::tieBreak));
    return ranked.stream().limit(d).map(Ranked::member).toList();
  }

  /** The free slots a health answer advertises in the pool; 0 without an answer or an entry. */
  static long freeSlots(HealthResponse health, String pool) {
    if (health == null) {
      return 0;
    }
    for (PoolFreeSlots p : health.getFreeSlotsList()) {
      if (p.getPool().equals(pool)) {
        return Integer.toUnsignedLong(p.getFreeSlots());
      }
    }
    return 0;
  }
}
