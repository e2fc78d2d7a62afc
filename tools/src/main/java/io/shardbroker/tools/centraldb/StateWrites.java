package io.shardbroker.tools.centraldb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for the write an agent of the central-db design makes after it starts a session: its
 * new state, into the VM's row. A few virtual threads take the VM ids from a bounded queue and write
 * each in its own autocommit statement. Heartbeat columns only, so it is a HOT update.
 *
 * <p>When the queue is full the write is dropped and counted (the database is behind anyway, and
 * stalling the answers would measure this stand-in rather than the design); a warning says so at
 * the first drop and at every {@value #WARN_EVERY}th. Failed writes are counted and warned about
 * the same way.
 *
 * <p>Thread-safe.
 */
final class StateWrites implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StateWrites.class);

  static final String WRITE = "UPDATE cdb_vm SET state_sequence = state_sequence + 1,"
      + " last_heartbeat = now() WHERE vm_id = ?";
  static final int WRITERS = 4;
  static final int QUEUE = 10_000;
  private static final int WARN_EVERY = 1000;
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final DataSource db;
  private final Tally tally;
  private final ThreadPoolExecutor writers;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  StateWrites(DataSource db, Tally tally) {
    this.db = db;
    this.tally = tally;
    RejectedExecutionHandler drop = (task, executor) -> {
      if (!executor.isShutdown()) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % WARN_EVERY == 0) {
          log.warn("dropped {} agent state write(s) so far: the queue of {} is full", n, QUEUE);
        }
      }
    };
    this.writers = new ThreadPoolExecutor(WRITERS, WRITERS, 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE), Thread.ofVirtual().name("cdb-state-writer-", 0).factory(), drop);
  }

  /** Queues the write of the VM's new state; never blocks. */
  void submit(String vmId) {
    writers.execute(() -> write(vmId));
  }

  long dropped() {
    return dropped.get();
  }

  private void write(String vmId) {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(WRITE)) {
      ps.setString(1, vmId);
      tally.statements.incrementAndGet();
      tally.transactions.incrementAndGet();
      ps.executeUpdate();
    } catch (SQLException e) {
      long n = failed.incrementAndGet();
      if (n == 1 || n % WARN_EVERY == 0) {
        log.warn("{} agent state write(s) failed so far; the last, of {}: {}", n, vmId, e.getMessage());
      }
    }
  }

  /** Writes what is queued (for up to {@link #DRAIN}), then stops. */
  @Override
  public void close() {
    writers.shutdown();
    try {
      if (!writers.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{} agent state write(s) left unwritten at shutdown", writers.shutdownNow().size());
      }
    } catch (InterruptedException e) {
      writers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
