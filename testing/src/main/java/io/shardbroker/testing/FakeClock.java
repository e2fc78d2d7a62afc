package io.shardbroker.testing;

import io.grpc.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test says so, and that is also the scheduler of the code under
 * test: tasks scheduled on it run, on the thread that calls {@link #advance}, when the clock
 * passes their due time. Tests of heartbeats, timeouts and backoff therefore run without sleeping
 * and give the same result every time.
 *
 * <p>Thread-safe: code under test may schedule from any thread. Tasks never run concurrently with
 * each other; they run inside {@code advance}/{@link #runDueTasks} only. {@code execute} and
 * {@code submit} queue a task due now, so it too runs on the next advance.
 */
public final class FakeClock extends Clock implements ScheduledExecutorService {

  private final Object lock = new Object();
  // Guarded by lock.
  private long nowNanos;
  // Guarded by lock.
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  // Guarded by lock.
  private boolean shutdown;
  private final AtomicLong sequence = new AtomicLong();
  private final long epochOffsetMillis;

  /** A clock that starts at the given instant. */
  public FakeClock(Instant start) {
    this.epochOffsetMillis = start.toEpochMilli();
  }

  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Moves time forward by {@code step}, running every task that falls due, in due order. */
  public void advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("time only moves forward, got " + step);
    }
    long target;
    synchronized (lock) {
      target = nowNanos + step.toNanos();
    }
    while (true) {
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.dueNanos > target) {
          nowNanos = target;
          return;
        }
        queue.poll();
        nowNanos = Math.max(nowNanos, next.dueNanos);
      }
      next.runAndReschedule();
    }
  }

  /** Runs the tasks that are due now without moving time. */
  public void runDueTasks() {
    advance(Duration.ZERO);
  }

  /** How many tasks wait, due now or later (cancelled ones are not counted). */
  public int pendingTasks() {
    synchronized (lock) {
      return (int) queue.stream().filter(t -> !t.isCancelled()).count();
    }
  }

  public long nanoTime() {
    synchronized (lock) {
      return nowNanos;
    }
  }

  /**
   * This clock as gRPC's deadline ticker: a deadline made with it ({@code Deadline.after(d, unit,
   * ticker)}) passes when the clock is advanced past it, and a channel whose scheduled executor is
   * this clock fires it then.
   */
  public Deadline.Ticker ticker() {
    return new Deadline.Ticker() {
      @Override
      public long nanoTime() {
        return FakeClock.this.nanoTime();
      }
    };
  }

  @Override
  public Instant instant() {
    long nanos = nanoTime();
    return Instant.ofEpochMilli(epochOffsetMillis).plusNanos(nanos);
  }

  @Override
  public long millis() {
    return epochOffsetMillis + TimeUnit.NANOSECONDS.toMillis(nanoTime());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a FakeClock is always UTC");
  }

  // ---- scheduling ----------------------------------------------------------------------------

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new Task<>(() -> {
      command.run();
      return null;
    }, delay, 0, unit));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new Task<>(callable, delay, 0, unit));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    if (delay <= 0) {
      throw new IllegalArgumentException("period must be positive, got " + delay);
    }
    return enqueue(new Task<>(() -> {
      command.run();
      return null;
    }, initialDelay, delay, unit));
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  private <V> Task<V> enqueue(Task<V> task) {
    synchronized (lock) {
      if (shutdown) {
        throw new java.util.concurrent.RejectedExecutionException("FakeClock is shut down");
      }
      task.dueNanos = nowNanos + task.initialDelayNanos;
      queue.add(task);
    }
    return task;
  }

  @Override
  public void shutdown() {
    synchronized (lock) {
      shutdown = true;
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    synchronized (lock) {
      shutdown = true;
      List<Runnable> left = new ArrayList<>(queue);
      queue.clear();
      return left;
    }
  }

  @Override
  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  @Override
  public boolean isTerminated() {
    return isShutdown();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isShutdown();
  }

  // AbstractExecutorService gives the submit/invoke family on top of execute.
  private final AbstractExecutorService submitter = new AbstractExecutorService() {
    @Override public void shutdown() { FakeClock.this.shutdown(); }
    @Override public List<Runnable> shutdownNow() { return FakeClock.this.shutdownNow(); }
    @Override public boolean isShutdown() { return FakeClock.this.isShutdown(); }
    @Override public boolean isTerminated() { return FakeClock.this.isTerminated(); }
    @Override public boolean awaitTermination(long t, TimeUnit u) { return FakeClock.this.awaitTermination(t, u); }
    @Override public void execute(Runnable r) { FakeClock.this.execute(r); }
  };

  @Override
  public <T> java.util.concurrent.Future<T> submit(Callable<T> task) {
    return submitter.submit(task);
  }

  @Override
  public <T> java.util.concurrent.Future<T> submit(Runnable task, T result) {
    return submitter.submit(task, result);
  }

  @Override
  public java.util.concurrent.Future<?> submit(Runnable task) {
    return submitter.submit(task);
  }

  @Override
  public <T> List<java.util.concurrent.Future<T>> invokeAll(
      java.util.Collection<? extends Callable<T>> tasks) throws InterruptedException {
    return submitter.invokeAll(tasks);
  }

  @Override
  public <T> List<java.util.concurrent.Future<T>> invokeAll(
      java.util.Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    return submitter.invokeAll(tasks, timeout, unit);
  }

  @Override
  public <T> T invokeAny(java.util.Collection<? extends Callable<T>> tasks)
      throws InterruptedException, ExecutionException {
    return submitter.invokeAny(tasks);
  }

  @Override
  public <T> T invokeAny(
      java.util.Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    return submitter.invokeAny(tasks, timeout, unit);
  }

  /** One scheduled task; periodic ones put themselves back after each run. */
  private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {
    private final long initialDelayNanos;
    private final long periodNanos;
    private final long order = sequence.getAndIncrement();
    // Guarded by FakeClock.this.lock once queued.
    private long dueNanos;

    Task(Callable<V> callable, long delay, long period, TimeUnit unit) {
      super(callable);
      this.initialDelayNanos = Math.max(0, unit.toNanos(delay));
      this.periodNanos = unit.toNanos(period);
    }

    void runAndReschedule() {
      if (isCancelled()) {
        return;
      }
      if (periodNanos == 0) {
        run();
        return;
      }
      if (runAndReset()) {
        synchronized (lock) {
          if (!shutdown) {
            dueNanos = nowNanos + periodNanos;
            queue.add(this);
          }
        }
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      synchronized (lock) {
        return unit.convert(dueNanos - nowNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public int compareTo(Delayed other) {
      Task<?> that = (Task<?>) other;
      int byDue = Long.compare(dueNanos, that.dueNanos);
      return byDue != 0 ? byDue : Long.compare(order, that.order);
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
      if (!isDone()) {
        throw new IllegalStateException("task not run yet: advance the FakeClock first");
      }
      return super.get();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        synchronized (lock) {
          queue.remove(this);
        }
      }
      return cancelled;
    }
  }
}
