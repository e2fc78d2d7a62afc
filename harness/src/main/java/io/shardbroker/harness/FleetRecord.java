package io.shardbroker.harness;

import io.shardbroker.agent.sim.FleetLedger;
import io.shardbroker.agent.sim.SimulatedFleet.SessionTruth;
import io.shardbroker.agent.sim.SimulatedFleet.VmTruth;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the simulated fleet itself saw, not what brokers or concentrators believe: the judge of
 * every cluster test. A process cluster's sim serves it as JSON at {@code /truth}, in this shape.
 *
 * @param vms every VM as its desktop saw it, with where its agent is attached
 * @param attachedLinks agent links attached now; {@code expectedLinks} when every VM is attached
 *     in every set
 * @param violations the invariants broken at any moment of the run, counted as they happened
 * @param sessionsStarted sessions the desktops started over the run
 * @param sessionsEnded sessions they ended
 */
public record FleetRecord(
    List<VmTruth> vms,
    int attachedLinks,
    int expectedLinks,
    FleetLedger.Violations violations,
    long sessionsStarted,
    long sessionsEnded) {

  public FleetRecord {
    vms = List.copyOf(vms);
  }

  /** Every time a VM ran more sessions than its capacity or a user ran two in one pool. */
  public long doubleAssignments() {
    return violations.overCapacity() + violations.userTwiceInPool();
  }

  /**
   * What breaks the design's one promise right now, in words, or empty: a VM above its capacity
   * now or at any moment before, or a user with two sessions in one pool.
   */
  public List<String> doubleAssignmentsNow() {
    Set<String> userInPool = new HashSet<>();
    List<String> found = new java.util.ArrayList<>();
    for (VmTruth vm : vms) {
      if (vm.maxConcurrentSessions() > vm.capacity()) {
        found.add(vm.vmId() + " ran " + vm.maxConcurrentSessions() + " sessions at once (capacity "
            + vm.capacity() + ")");
      }
      for (SessionTruth s : vm.sessions()) {
        if (!userInPool.add(s.user() + "@" + vm.pool())) {
          found.add(s.user() + " has a second session in pool " + vm.pool() + " (on " + vm.vmId() + ")");
        }
      }
    }
    return found;
  }

  /** Sessions running on the desktops now. */
  public int sessions() {
    return vms.stream().mapToInt(vm -> vm.sessions().size()).sum();
  }
}
