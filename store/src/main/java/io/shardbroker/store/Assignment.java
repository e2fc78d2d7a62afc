package io.shardbroker.store;

import java.time.Instant;

/** In a dedicated pool, a VM that belongs to one user for good (until an admin unassigns it). */
public record Assignment(String pool, String user, String vmId, Instant assignedAt) {

  /** How a broker's claim of a VM for a user's first session went. */
  public record Claim(Outcome outcome, Assignment assignment) {
    public enum Outcome {
      /** The VM is now the user's; {@code assignment} is the new one. */
      CLAIMED,
      /** Another user holds the VM; try another. {@code assignment} is null. */
      VM_TAKEN,
      /** The user already has a VM in the pool (perhaps claimed by another broker just now); {@code assignment} is it. */
      USER_HAS_ONE
    }
  }
}
