package io.shardbroker.tools.centraldb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated agents' reporting load in the central-db design: every VM writes its heartbeat
 * ({@value #HEARTBEAT}) once per interval, one autocommit statement per VM as separate agents
 * would (no batching across VMs). The writes are spread evenly over the interval: VM {@code i} of
 * {@code N} is due at {@code i * interval / N} into each interval. The statement touches only
 * columns no index names, so it is a HOT update ({@link CentralDbSchema}).
 *
 * <p>A fixed number of workers write, each owning every {@code workers}-th VM and using one
 * connection at a time from the data source (give the fleet a pool of its own with at least as
 * many connections). A worker writes whatever is due, in order, then schedules itself for its next
 * due VM; one that falls behind writes back to back until it catches up. A failed write is counted
 * and skipped (that agent reports again next interval).
 *
 * <p>{@link #stats()} tells how many heartbeats were written and how far behind schedule the
 * writers were: the largest delay of a write, or of a due write still waiting, over the last
 * complete interval. When that exceeds one interval, a warning says so, at most once per interval.
 *
 * <p>Time comes from the {@link Clock} and the {@link ScheduledExecutorService} given, so a test can
 * drive the fleet with a fake clock that is also the scheduler. Thread-safe. Each worker's
 * position is touched only by that worker's tasks, which never overlap.
 */
public final class CentralDbFleet implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CentralDbFleet.class);

  public static final Duration INTERVAL_DEFAULT = Duration.ofSeconds(5);
  public static final int WORKERS_DEFAULT = 16;
  static final String HEARTBEAT =
      "UPDATE cdb_vm SET last_heartbeat = now(), state_sequence = state_sequence + 1 WHERE vm_id = ?";
  private static final Duration MAX_INTERVAL = Duration.ofHours(1);

  /**
   * @param heartbeats written so far
   * @param failures writes that failed so far
   * @param maxLagMillis how far behind schedule the writers were at worst over the last complete interval
   */
  public record Stats(long heartbeats, long failures, long maxLagMillis) {}

  private final DataSource db;
  private final int vmCount;
  private final long intervalNanos;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final Clock clock;
  private final List<Worker> workers = new ArrayList<>();
  private final AtomicLong heartbeats = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong windowLagNanos = new AtomicLong();
  private final AtomicLong windowFailures = new AtomicLong();
  private final AtomicReference<String> lastFailure = new AtomicReference<>();
  private volatile long lastWindowLagMillis;
  private volatile boolean closed;
  // Set once by start(); read by workers and the window task, which start() schedules after it.
  private volatile Instant origin;
  private volatile ScheduledFuture<?> windows;

  /**
   * @param vmIds the VMs, whose rows exist ({@link CentralDbSchema#registerVms})
   * @param workers writers (and so connections) at most; fewer when there are fewer VMs
   * @param scheduler runs the writers and the lag check; the caller shuts it down
   */
  public CentralDbFleet(
      DataSource db, List<String> vmIds, Duration interval, int workers,
      ScheduledExecutorService scheduler, Clock clock) {
    this(db, vmIds, interval, workers, scheduler, clock, false);
  }

  /**
   * A fleet on threads of its own ({@code workers + 1}, shut down by {@link #close}) and the
   * system clock.
   */
  public CentralDbFleet(DataSource db, List<String> vmIds, Duration interval, int workers) {
    this(db, vmIds, interval, workers, ownScheduler(interval, workers), Clock.systemUTC(), true);
  }

  private CentralDbFleet(
      DataSource db, List<String> vmIds, Duration interval, int workerCount,
      ScheduledExecutorService scheduler, Clock clock, boolean ownsScheduler) {
    check(interval, workerCount);
    this.db = db;
    this.vmCount = vmIds.size();
    this.intervalNanos = interval.toNanos();
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.clock = clock;
    int count = Math.min(workerCount, vmIds.size());
    for (int w = 0; w < count; w++) {
      List<String> ids = new ArrayList<>();
      List<Long> offsets = new ArrayList<>();
      for (int i = w; i < vmIds.size(); i += count) {
        ids.add(vmIds.get(i));
        offsets.add((long) ((double) i / vmIds.size() * intervalNanos));
      }
      workers.add(new Worker(ids.toArray(String[]::new), offsets.stream().mapToLong(Long::longValue).toArray()));
    }
  }

  private static void check(Duration interval, int workers) {
    if (interval == null || interval.isNegative() || interval.isZero() || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new IllegalArgumentException("the heartbeat interval must be positive and at most "
          + MAX_INTERVAL + ", got " + interval);
    }
    if (workers < 1 || workers > 1000) {
      throw new IllegalArgumentException("heartbeat workers must be 1..1000, got " + workers);
    }
  }

  private static ScheduledExecutorService ownScheduler(Duration interval, int workers) {
    check(interval, workers);
    // One thread more than workers: the lag check runs even while every worker is stuck.
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(workers + 1,
        Thread.ofPlatform().name("cdb-fleet-", 0).daemon(true).factory());
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /** Starts the heartbeats: the first of VM {@code i} is due {@code i * interval / N} from now. */
  public synchronized CentralDbFleet start() {
    if (origin != null) {
      throw new IllegalStateException("the fleet is started already");
    }
    origin = clock.instant();
    for (Worker w : workers) {
      scheduler.schedule(w, w.nextDueNanos, TimeUnit.NANOSECONDS);
    }
    windows = scheduler.scheduleAtFixedRate(this::closeWindow, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    log.info("central-db fleet: {} VMs, {} heartbeats/s from {} writer(s)", vmCount,
        String.format("%.0f", heartbeatsPerSecond()), workers.size());
    return this;
  }

  public Stats stats() {
    return new Stats(heartbeats.get(), failures.get(), lastWindowLagMillis);
  }

  /** The rate the fleet is to write at: VMs per interval. */
  public double heartbeatsPerSecond() {
    return vmCount * 1e9 / intervalNanos;
  }

  /** Stops scheduling writes; with its own threads, waits for the writes in progress. */
  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> w = windows;
    if (w != null) {
      w.cancel(false);
    }
    if (ownsScheduler) {
      scheduler.shutdown();
      try {
        if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
          scheduler.shutdownNow();
        }
      } catch (InterruptedException e) {
        scheduler.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Nanoseconds since {@link #start}. */
  private long now() {
    return Duration.between(origin, clock.instant()).toNanos();
  }

  private void noteLag(long lagNanos) {
    windowLagNanos.accumulateAndGet(lagNanos, Math::max);
  }

  private void noteFailure(String vmId, SQLException e) {
    failures.incrementAndGet();
    windowFailures.incrementAndGet();
    lastFailure.set(vmId + ": " + e.getMessage());
  }

  /** Ends a lag window: publishes its worst lag, warns when writers are an interval or more behind. */
  private void closeWindow() {
    long now = now();
    long lag = windowLagNanos.getAndSet(0);
    for (Worker w : workers) {
      lag = Math.max(lag, now - w.nextDueNanos);  // a stuck writer's due write counts too
    }
    lastWindowLagMillis = Math.max(0, lag) / 1_000_000;
    if (lag > intervalNanos) {
      log.warn("the database cannot keep up with {} heartbeats/s: {} ms behind",
          String.format("%.0f", heartbeatsPerSecond()), lastWindowLagMillis);
    }
    long failed = windowFailures.getAndSet(0);
    if (failed > 0) {
      log.warn("{} heartbeat(s) failed in the last interval; the last, of {}", failed, lastFailure.get());
    }
  }

  /** Writes the heartbeats of every {@code workers}-th VM, each on its schedule. */
  private final class Worker implements Runnable {
    private final String[] ids;
    private final long[] offsets;
    // Touched only by this worker's tasks, which run one at a time.
    private int next;
    private long round;
    // When the next write is due, in nanoseconds since start; read by the window task.
    private volatile long nextDueNanos;

    Worker(String[] ids, long[] offsets) {
      this.ids = ids;
      this.offsets = offsets;
      this.nextDueNanos = offsets[0];
    }

    @Override
    public void run() {
      if (closed) {
        return;
      }
      try {
        writeWhatIsDue();
      } finally {
        reschedule();
      }
    }

    private void reschedule() {
      if (closed) {
        return;
      }
      try {
        scheduler.schedule(this, Math.max(0, nextDueNanos - now()), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        if (!closed) {
          throw e;
        }  // closing: the scheduler is shutting down
      }
    }

    private void writeWhatIsDue() {
      if (nextDueNanos > now()) {
        return;
      }
      try (Connection c = db.getConnection();
          PreparedStatement ps = c.prepareStatement(HEARTBEAT)) {
        while (!closed) {
          long lag = now() - nextDueNanos;
          if (lag < 0) {
            return;
          }
          noteLag(lag);
          String vmId = ids[next];
          ps.setString(1, vmId);
          try {
            ps.executeUpdate();
            heartbeats.incrementAndGet();
          } catch (SQLException e) {
            noteFailure(vmId, e);
            advance();
            return;  // the next task takes a fresh connection, in case this one broke
          }
          advance();
        }
      } catch (SQLException e) {
        noteFailure(ids[next], e);  // no connection: skip this VM's turn
        advance();
      }
    }

    private void advance() {
      next++;
      if (next == ids.length) {
        next = 0;
        round++;
      }
      nextDueNanos = round * intervalNanos + offsets[next];
    }
  }
}
