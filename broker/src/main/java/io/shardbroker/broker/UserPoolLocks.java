package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import io.shardbroker.store.BrokeringLocks;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises the requests of one user for one pool, so that two concurrent requests cannot each
 * start a desktop: the second one waits, then finds the first one's session and reconnects.
 *
 * <p>Within this broker a striped in-memory lock does it. When brokers share a store, a lease
 * row in the store does it across brokers too (a user's double click may reach two brokers
 * behind a round-robin load balancer); the lease expires by itself if its broker dies holding
 * it. A request that cannot get the lock before its deadline is refused as retryable. This is
 * the first step of docs/design.md, "One session per user and pool".
 *
 * <p>Thread-safe.
 */
final class UserPoolLocks {

  private static final int STRIPES = 1024;
  private static final Duration POLL_MIN = Duration.ofMillis(5);
  private static final Duration POLL_MAX = Duration.ofMillis(100);
  /** How much longer than the request deadline a lease lives, for the last writes after it. */
  private static final Duration LEASE_MARGIN = Duration.ofSeconds(5);

  /** A held lock; closing it releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final BrokeringLocks shared;
  private final String brokerId;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  /**
   * @param shared the store's leases when brokers share the store; null for one broker alone
   * @param scheduler paces the retries of a lease someone else holds
   */
  UserPoolLocks(
      BrokeringLocks shared, String brokerId, Clock clock, ScheduledExecutorService scheduler) {
    this.shared = shared;
    this.brokerId = brokerId;
    this.clock = clock;
    this.scheduler = scheduler;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Waits (at most until {@code deadline}) for the user's lock on the pool. */
  Held lock(String user, String pool, Duration deadline) {
    ReentrantLock local = stripes[Math.floorMod((user + '\0' + pool).hashCode(), STRIPES)];
    try {
      if (!local.tryLock(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        throw busy(pool);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(pool);
    }
    if (shared == null) {
      return local::unlock;
    }
    try {
      String holder = brokerId + "/" + UUID.randomUUID();
      leaseOrWait(user, pool, holder, deadline);
      return () -> {
        try {
          shared.unlock(user, pool, holder);
        } finally {
          local.unlock();
        }
      };
    } catch (RuntimeException e) {
      local.unlock();
      throw e;
    }
  }

  private void leaseOrWait(String user, String pool, String holder, Duration deadline) {
    long giveUpAt = clock.millis() + deadline.toMillis();
    long pause = POLL_MIN.toMillis();
    while (true) {
      var now = clock.instant();
      if (shared.tryLock(user, pool, holder, now, now.plus(deadline).plus(LEASE_MARGIN))) {
        return;
      }
      if (clock.millis() + pause >= giveUpAt) {
        throw busy(pool);
      }
      pause(pause, deadline, pool);
      pause = Math.min(pause * 2, POLL_MAX.toMillis());
    }
  }

  /**
   * Waits {@code millis} on the injected scheduler before the next try. The wait on it is bounded
   * by the request's deadline too, so a scheduler that stopped (a broker closing) cannot hang it.
   */
  private void pause(long millis, Duration deadline, String pool) {
    CompletableFuture<Void> due = new CompletableFuture<>();
    try {
      scheduler.schedule(() -> due.complete(null), millis, TimeUnit.MILLISECONDS);
      due.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy(pool);
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      throw busy(pool);
    }
  }

  private static BrokerException busy(String pool) {
    return new BrokerException(Reason.REQUEST_IN_PROGRESS,
        "another request of yours for pool '" + pool + "' is still being answered; try again shortly");
  }
}
