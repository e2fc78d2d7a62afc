package io.shardbroker.store;

import java.time.Clock;

/**
 * The durable state of brokers. {@link #open} brings the schema up to date first (all pending
 * migrations or none) and fails with {@link Reason#MIGRATION_FAILED} and a message
 * for people when it cannot, leaving the database as it was.
 *
 * <p>Thread-safe. Close it to write the queued session history and release the connections.
 */
public interface Store extends AutoCloseable {

  static Store open(StoreSettings settings, Clock clock) {
    return JdbcStore.open(settings, clock);
  }

  PoolStore pools();

  AccountStore accounts();

  EntitlementStore entitlements();

  AssignmentStore assignments();

  MaintenanceStore maintenance();

  SessionHistory history();

  /** Locks that serialise one user's requests for one pool across the brokers sharing the store. */
  BrokeringLocks brokeringLocks();

  AuditLog audit();

  /** Shared secrets, revoked sign-in tokens, enrollment tokens, refusals for the audit log. */
  SecurityStore security();

  /**
   * Creates what the seed names and the store lacks, for items no seed named before; returns how
   * many things it created. An item is applied once: deleted later, it stays deleted.
   */
  int apply(Seed seed, Actor by);

  /** True when several brokers may use this store at once (PostgreSQL), false for the embedded file. */
  boolean shared();

  /** What the store is, for logs: for example "embedded H2 at /data/shardbroker" (no password). */
  String describe();

  /** Writes the queued session history, then closes the connections. */
  @Override
  void close();
}
