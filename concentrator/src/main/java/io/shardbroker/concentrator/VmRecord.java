package io.shardbroker.concentrator;

import io.shardbroker.protocol.StartRule;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.VmStatus;

/**
 * What a concentrator knows of one VM. Mutable; every field is guarded by the owning
 * {@link VmRegistry}'s lock, and only the registry touches them.
 */
final class VmRecord {
  final String vmId;
  String pool;
  int capacity;
  String incarnation;
  /** The stream it reports on; null once that stream is gone. */
  AgentStream stream;
  VmState state = VmState.getDefaultInstance();
  /** Starts forwarded to the agent and not answered yet. */
  int pendingStarts;
  long lastHeardMillis;
  /** When it became unreachable, for retention; 0 while reachable. */
  long unreachableSinceMillis;
  /** For a VM handed over to another concentrator: when to forget it; 0 otherwise. */
  long forgetAtMillis;

  /** The status its pool's index counts it under, or null when none does; kept by {@link PoolIndex}. */
  VmStatus countedStatus;
  /** Where it sits in its pool's index: the bucket's load key and its slot there, or -1. */
  long indexKey = -1;
  int indexSlot = -1;
  /** The free slots it adds to its pool's index: capacity minus used when indexed, else 0. */
  int indexFreeSlots;

  VmRecord(String vmId) {
    this.vmId = vmId;
  }

  boolean reachable() {
    return stream != null;
  }

  int used() {
    return state.getSessionsCount() + pendingStarts;
  }

  /** May be offered to a broker: reachable, accepting and with room for one more session. */
  boolean isCandidate() {
    return reachable() && StartRule.hasRoom(state.getAccepting(), used(), capacity);
  }

  VmStatus status() {
    if (!reachable()) {
      return VmStatus.VM_STATUS_UNREACHABLE;
    }
    if (pendingStarts > 0) {
      return VmStatus.VM_STATUS_PENDING;
    }
    if (!state.getAccepting()) {
      return VmStatus.VM_STATUS_DRAINING;
    }
    return state.getSessionsCount() > 0 ? VmStatus.VM_STATUS_IN_USE : VmStatus.VM_STATUS_AVAILABLE;
  }
}
