package io.shardbroker.store;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Dedicated assignments. A VM has at most one user and a user at most one VM per pool; the
 * database's unique keys enforce both, so brokers racing to claim one VM for two users end with
 * exactly one winner.
 */
public interface AssignmentStore {

  /** The user's VM in the pool, if any. */
  Optional<Assignment> of(String pool, String user);

  /** Those of {@code vmIds} that are assigned to anyone. */
  Set<String> assignedAmong(Collection<String> vmIds);

  /**
   * Makes {@code vmId} the user's in the pool, durably, unless the VM or the user is taken. Not
   * audited as an admin change (the session history records the start).
   */
  Assignment.Claim claim(String pool, String user, String vmId);

  /** Undoes a claim when no session could be started on the VM; does nothing if it changed since. */
  void release(String pool, String user, String vmId);

  /** Assignments matching the filters (null matches any), by pool then user. */
  List<Assignment> list(String pool, String user);

  /**
   * An admin assigns a VM. @throws StoreException NOT_FOUND for an unknown pool or user, INVALID
   * when the pool is not dedicated, CONFLICT when the VM or the user is taken
   */
  Assignment assign(String pool, String user, String vmId, Actor by);

  /** An admin frees a VM; a running session goes on. @throws StoreException NOT_FOUND */
  void unassign(String vmId, Actor by);
}
