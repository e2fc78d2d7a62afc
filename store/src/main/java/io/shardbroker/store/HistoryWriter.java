package io.shardbroker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes session events in the background, so that recording one never waits for the database.
 *
 * <p>Design. Producers append to an unbounded queue whose event count is capped by a counter
 * ({@link #queued}); past {@link #CAPACITY} events are dropped and counted, with a warning at most
 * every {@link #DROP_WARNING_EVERY}. One thread ("store-history-writer") owns everything else:
 * it takes up to {@link #BATCH_MAX} events, waiting at most the flush interval after the first,
 * and writes them with one JDBC batch in one transaction.
 *
 * <p>{@link #flush} and {@link #close} put a {@link Barrier} in the queue and wait for the writer to
 * reach it: the queue is FIFO, so every event recorded before the call is written by then. A
 * barrier also ends the wait for a fuller batch.
 *
 * <p>When the database fails the writer keeps the batch and retries with backoff (one warning per
 * failure streak), so an outage loses nothing while memory lasts. An event the database rejects
 * for its content (SQLState classes 22 and 23) would fail every retry: when a batch fails that
 * way, its events are written one at a time and the rejected ones dropped with an error, except a
 * second END of one session, which is skipped quietly (every set reports each end). Only at
 * {@link #close}, after {@link #CLOSE_WAIT}, does the writer give up on what it could not write.
 */
final class HistoryWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HistoryWriter.class);

  static final int CAPACITY = 1_000_000;
  static final int BATCH_MAX = 500;
  static final Duration FLUSH_WAIT = Duration.ofSeconds(30);
  static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
  static final Duration DROP_WARNING_EVERY = Duration.ofSeconds(10);
  static final Duration BACKOFF_MIN = Duration.ofMillis(100);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(5);

  private static final String INSERT = "INSERT INTO session_events (occurred_at, kind, user_name,"
      + " pool_name, vm_id, session_id, broker, request_id, detail, end_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /** What a database answers for a second END of one session (end_key is unique). */
  private static final String UNIQUE_VIOLATION = "23505";

  /** A point in the queue that flush and close wait for. */
  private static final class Barrier {
    final CountDownLatch reached = new CountDownLatch(1);
    final boolean stop;

    Barrier(boolean stop) {
      this.stop = stop;
    }
  }

  private final Database db;
  private final long intervalNanos;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong lastDropWarning = new AtomicLong(System.nanoTime() - DROP_WARNING_EVERY.toNanos());
  private final Thread thread;
  private volatile boolean closing;
  /** Set by close when waiting longer is pointless: the writer drops what it cannot write. */
  private volatile boolean givingUp;

  HistoryWriter(Database db, Duration flushInterval) {
    this.db = db;
    this.intervalNanos = flushInterval.toNanos();
    this.thread = new Thread(this::run, "store-history-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues an event; never blocks. Drops it (counted, warned) when the queue is full or closed. */
  void add(SessionEvent event) {
    if (closing) {
      drop(1, "the store is closed");
      return;
    }
    if (queued.incrementAndGet() > CAPACITY) {
      queued.decrementAndGet();
      drop(1, "the queue is full (" + CAPACITY + " events wait for the database)");
      return;
    }
    queue.add(event);
  }

  /** Waits, at most {@link #FLUSH_WAIT}, until the events added before the call are written. */
  void flush() {
    if (!thread.isAlive()) {
      return;
    }
    Barrier barrier = new Barrier(false);
    queue.add(barrier);
    if (!await(barrier, FLUSH_WAIT)) {
      log.warn("session history flush gave up after {}: {} events still wait for the database",
          FLUSH_WAIT, queued.get());
    }
  }

  long dropped() {
    return dropped.get();
  }

  /** Writes everything queued, waiting at most {@link #CLOSE_WAIT}, then stops the writer. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    Barrier stop = new Barrier(true);
    queue.add(stop);
    if (!await(stop, CLOSE_WAIT)) {
      givingUp = true;
      LockSupport.unpark(thread);
    }
    try {
      thread.join(BACKOFF_MAX.toMillis() * 2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = queued.get();
    if (left > 0) {
      drop(left, "the store closed before the database took them");
      log.error("session history lost {} events at close: the database did not take them", left);
    }
  }

  private static boolean await(Barrier barrier, Duration limit) {
    try {
      return barrier.reached.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ---- the writer thread -----------------------------------------------------------------------

  private void run() {
    List<SessionEvent> batch = new ArrayList<>(BATCH_MAX);
    List<Barrier> barriers = new ArrayList<>();
    boolean stop = false;
    while (!stop) {
      try {
        collect(batch, barriers);
        write(batch);
      } catch (InterruptedException e) {
        // Nobody interrupts this thread on purpose (H2 closes its files on interrupts); carry on.
      } catch (RuntimeException | Error e) {
        log.error("session history writer failed; {} events dropped", batch.size(), e);
        drop(batch.size(), "the writer failed");
      }
      queued.addAndGet(-batch.size());
      batch.clear();
      for (Barrier barrier : barriers) {
        stop |= barrier.stop;
        barrier.reached.countDown();
      }
      barriers.clear();
    }
  }

  /** Takes the next batch: up to BATCH_MAX events within the interval, or up to a barrier. */
  private void collect(List<SessionEvent> batch, List<Barrier> barriers) throws InterruptedException {
    Object item = queue.take();
    long deadline = System.nanoTime() + intervalNanos;
    while (true) {
      if (item instanceof Barrier barrier) {
        barriers.add(barrier);
        return;
      }
      batch.add((SessionEvent) item);
      if (batch.size() == BATCH_MAX) {
        return;
      }
      long wait = deadline - System.nanoTime();
      item = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
      if (item == null) {
        return;
      }
    }
  }

  /** Writes the batch, retrying on failures, until it is written or the store gives up. */
  private void write(List<SessionEvent> batch) {
    long backoffNanos = BACKOFF_MIN.toNanos();
    boolean failing = false;
    List<SessionEvent> pending = batch;
    while (!pending.isEmpty()) {
      try {
        insertBatch(pending);
        pending = List.of();
      } catch (SQLException e) {
        if (isContentError(e)) {
          pending = insertOneByOne(pending);
          if (pending.isEmpty()) {
            break;
          }
        } else if (!failing) {
          log.warn("session history cannot be written now ({} events wait; SQLState {}: {}); retrying",
              queued.get(), e.getSQLState(), Database.firstLine(e.getMessage()));
        }
        failing = true;
        if (givingUp) {
          log.error("session history dropped {} events at close: the database did not take them",
              pending.size());
          drop(pending.size(), "the database did not take them");
          return;
        }
        LockSupport.parkNanos(backoffNanos);
        backoffNanos = Math.min(backoffNanos * 2, BACKOFF_MAX.toNanos());
      }
    }
    if (failing) {
      log.info("session history is written again");
    }
  }

  private void insertBatch(List<SessionEvent> events) throws SQLException {
    db.connected(c -> {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        for (SessionEvent event : events) {
          bind(ps, event);
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
      } catch (SQLException e) {
        rollbackQuietly(c);
        throw unwrap(e);
      }
      return null;
    });
  }

  /** Writes events one by one, dropping those the database rejects; returns those not yet tried. */
  private List<SessionEvent> insertOneByOne(List<SessionEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      SessionEvent event = events.get(i);
      try {
        db.connected(c -> {
          try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, event);
            return ps.executeUpdate();
          }
        });
      } catch (SQLException e) {
        if (!isContentError(e)) {
          return new ArrayList<>(events.subList(i, events.size()));
        }
        if (UNIQUE_VIOLATION.equals(e.getSQLState()) && event.kind() == SessionEvent.Kind.END) {
          log.debug("session history has the end of session {} already", event.sessionId());
          continue;
        }
        log.error("session history dropped an event the database rejects (SQLState {}: {}): {}",
            e.getSQLState(), Database.firstLine(e.getMessage()), event);
        drop(1, "the database rejects it");
      }
    }
    return List.of();
  }

  private static void bind(PreparedStatement ps, SessionEvent event) throws SQLException {
    Database.setInstant(ps, 1, event.at());
    ps.setString(2, event.kind().name());
    ps.setString(3, event.user());
    ps.setString(4, event.pool());
    ps.setString(5, event.vmId());
    ps.setString(6, event.sessionId());
    ps.setString(7, event.broker());
    ps.setString(8, event.requestId());
    ps.setString(9, event.detail());
    ps.setString(10, event.kind() == SessionEvent.Kind.END ? event.sessionId() : null);
  }

  private static boolean isContentError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** The error behind a batch failure: drivers chain it to a summary that quotes the statement. */
  private static SQLException unwrap(SQLException e) {
    SQLException next = e.getNextException();
    return next != null && next.getSQLState() != null ? next : e;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is broken; the pool will replace it.
    }
  }

  private void drop(long count, String why) {
    long total = dropped.addAndGet(count);
    long now = System.nanoTime();
    long last = lastDropWarning.get();
    if (now - last >= DROP_WARNING_EVERY.toNanos() && lastDropWarning.compareAndSet(last, now)) {
      log.warn("session history dropped events: {} ({} dropped since start)", why, total);
    }
  }
}
