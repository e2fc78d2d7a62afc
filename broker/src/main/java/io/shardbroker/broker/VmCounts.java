package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Answered;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.CountVmsRequest;
import io.shardbroker.protocol.v1.CountVmsResponse;
import io.shardbroker.protocol.v1.PoolCounts;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The fleet's VMs counted per pool and status, with the sessions each pool can still start, as
 * one set sees them: its concentrators' answers to CountVms, summed. What {@link
 * VmPages} would give once counted, without sending every VM: each concentrator
 * answers in O(pools + VMs in maintenance), so a console can poll it at any fleet size.
 *
 * <p>Every concentrator is told which VMs are in maintenance ({@link DrainedVms}), so that their
 * room is not counted as free: brokering never picks them.
 *
 * <p>A snapshot, not a ledger: a VM re-homed inside the set is counted twice for a while,
 * unreachable at the concentrator it left (until its handover or retention ends there) and in its
 * status at the one it joined (and in {@code in_maintenance} at both, if drained), the same as
 * Health's unreachable_vms in the topology. Its free slots count at the new one only, since an
 * unreachable VM has none.
 *
 * <p>Thread-safe: it keeps no state.
 */
final class VmCounts {

  /** One set's counts by pool name, in name order; {@code complete} is false when some member did not answer. */
  record Counted(String setId, boolean complete, Map<String, PoolCounts> byPool) {
    /** The sessions the pool can still start; 0 for a pool no VM reports. */
    long freeSessions(String pool) {
      PoolCounts counts = byPool.get(pool);
      return counts == null ? 0 : Integer.toUnsignedLong(counts.getFreeSlots());
    }
  }

  private final ConcentratorDirectory directory;
  private final DrainedVms drained;
  private final Duration deadline;

  /** @param deadline for each concentrator's answer (the listing timeout) */
  VmCounts(ConcentratorDirectory directory, DrainedVms drained, Duration deadline) {
    this.directory = directory;
    this.drained = drained;
    this.deadline = deadline;
  }

  /**
   * As the named set sees the fleet or, without a name, the first set that answers.
   *
   * @throws BrokerException {@code BAD_REQUEST} for a set that does not exist,
   *     {@code NO_SET_REACHABLE} when no set answers
   */
  Counted of(String setId) {
    return count(directory.namedOrAll(setId));
  }

  /**
   * As the first set of the user's order that answers sees the fleet, not waiting for sets whose
   * concentrators are all known to be down; empty when none answers. For answers that are of use
   * without the counts, so they neither fail nor wait long when the concentrators are down.
   */
  Optional<Counted> forUser(String user) {
    List<SetView> order = SessionPlacer.setsFor(directory, user).stream().filter(set -> !set.allDown()).toList();
    try {
      return Optional.of(count(order));
    } catch (BrokerException e) {
      if (e.kind() == Reason.NO_SET_REACHABLE) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private Counted count(List<SetView> order) {
    CountVmsRequest request = CountVmsRequest.newBuilder()
        .addAllMaintenanceVmIds(drained.current())
        .build();
    Answered<CountVmsResponse> answered =
        directory.firstAnswering(order, deadline, stub -> stub.countVms(request));
    Map<String, PoolCounts> byPool = new TreeMap<>();
    for (Reply<CountVmsResponse> reply : answered.replies()) {
      if (reply.ok()) {
        for (PoolCounts pool : reply.value().getPoolsList()) {
          byPool.merge(pool.getPool(), pool, VmCounts::plus);
        }
      }
    }
    return new Counted(answered.set().id(), answered.complete(), Collections.unmodifiableMap(byPool));
  }

  private static PoolCounts plus(PoolCounts a, PoolCounts b) {
    return a.toBuilder()
        .setAvailable(a.getAvailable() + b.getAvailable())
        .setInUse(a.getInUse() + b.getInUse())
        .setPending(a.getPending() + b.getPending())
        .setDraining(a.getDraining() + b.getDraining())
        .setUnreachable(a.getUnreachable() + b.getUnreachable())
        .setInMaintenance(a.getInMaintenance() + b.getInMaintenance())
        .setFreeSlots(a.getFreeSlots() + b.getFreeSlots())
        .build();
  }
}
