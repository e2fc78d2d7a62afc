package io.shardbroker.tools.bench;

/**
 * The simulated desktops a benchmark brokers: {@code vms} VMs of pool {@code desktop}, each taking
 * up to {@code sessionsPerVm} sessions. Single-user desktops (1) are the usual VDI case; shared
 * hosts let a small fleet take a long storm, to compare brokering at 1,000 VMs with 100,000.
 */
record Fleet(int vms, int sessionsPerVm) {

  /** The one pool of a benchmark fleet. */
  static final String POOL = "desktop";

  Fleet {
    if (vms < 1 || sessionsPerVm < 1) {
      throw new IllegalArgumentException("a fleet needs at least 1 VM of at least 1 session, got " + vms
          + " VMs of " + sessionsPerVm);
    }
  }

  /** Sessions the whole fleet can take. */
  long sessions() {
    return (long) vms * sessionsPerVm;
  }

  /** The simulator's {@code --pools} value. */
  String simPools() {
    return POOL + ":" + vms + ":" + sessionsPerVm;
  }
}
