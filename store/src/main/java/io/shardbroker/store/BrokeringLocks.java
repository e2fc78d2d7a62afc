package io.shardbroker.store;

import java.time.Instant;

/**
 * Locks that serialise the brokering of one user's requests for one pool across all brokers
 * sharing the store (within one broker an in-memory lock does it first), so that a user who
 * double-clicks behind a round-robin load balancer cannot get two desktops.
 *
 * <p>A lock is held until its holder unlocks it or until it expires; an expired lock belongs to a
 * holder taken for crashed, and the next {@link #tryLock} takes it over. Times come from the
 * caller's clock, never the database's, so every broker must use the same notion of time (their
 * clocks should be synchronised to well within the lock's lifetime).
 *
 * <p>Thread-safe. Each call is one or two statements, each its own transaction; nothing is
 * written to the audit log.
 */
public interface BrokeringLocks {

  /**
   * Takes the lock of {@code user} in {@code pool} for {@code holder} until {@code expiresAt}.
   * Returns true when the lock was free or had expired ({@code expiresAt <= now} of this call);
   * false when it is held and has not expired, also when {@code holder} itself holds it (locks are
   * not re-entrant). Of callers racing for one lock, at most one gets true. A false may also mean
   * that the lock was released in the instant between this call's two statements: callers treat
   * false as "busy, try again shortly".
   *
   * @param holder who holds the lock, for example a broker id and a request id; only the same
   *     text unlocks it
   * @throws StoreException INVALID for a bad user or pool name or holder, or when {@code
   *     expiresAt} is not after {@code now}
   */
  boolean tryLock(String user, String pool, String holder, Instant now, Instant expiresAt);

  /**
   * Releases the lock when {@code holder} holds it; does nothing otherwise (it was never taken,
   * was released, or expired and was taken over by someone else).
   */
  void unlock(String user, String pool, String holder);
}
