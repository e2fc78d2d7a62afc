package io.shardbroker.tools.centraldb;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the broker asked of the VM database, for the benchmark's statements-per-brokering figure.
 * {@code statements} counts the SQL statements sent on the brokering path and by the stand-in
 * state writes (not COMMIT or ROLLBACK, and not the store's sign-in and entitlement queries, which
 * the sharded broker makes too); {@code transactions} counts transactions, each ended by one COMMIT
 * or ROLLBACK (or, for a state write, by autocommit).
 *
 * <p>Thread-safe.
 */
final class Tally {
  final AtomicLong brokerings = new AtomicLong();
  final AtomicLong statements = new AtomicLong();
  final AtomicLong transactions = new AtomicLong();

  CentralDbBroker.BenchCounters snapshot() {
    return new CentralDbBroker.BenchCounters(brokerings.get(), statements.get(), transactions.get());
  }
}
