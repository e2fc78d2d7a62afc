package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardbroker.protocol.Reason;
import io.shardbroker.store.BrokeringLocks;
import io.shardbroker.store.Store;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lease another broker holds is waited for on the injected scheduler: the retries happen only
 * as the fake clock moves, and the request gives up at its deadline.
 */
@Timeout(30)
class UserPoolLocksTest {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final FakeClock clock = new FakeClock();
  private final Store store = TestBroker.memoryStore(clock);
  private final BrokeringLocks leases = store.brokeringLocks();
  private final UserPoolLocks locks = new UserPoolLocks(leases, "broker-1", clock, clock);

  @AfterEach
  void stop() {
    store.close();
    clock.shutdownNow();
  }

  private void heldByAnotherBroker() {
    Instant now = clock.instant();
    assertThat(leases.tryLock("alice", "desktop", "broker-2/r", now, now.plus(Duration.ofMinutes(1)))).isTrue();
  }

  @Test
  void aLeaseReleasedByAnotherBrokerIsTakenAtTheNextTry() throws Exception {
    heldByAnotherBroker();
    // Locked and released on one thread, as a request does.
    CompletableFuture<Instant> acquiredAt = CompletableFuture.supplyAsync(() -> {
      try (UserPoolLocks.Held held = locks.lock("alice", "desktop", DEADLINE)) {
        return clock.instant();
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> clock.pendingTasks() == 1);  // the first pause
    Instant released = clock.instant();
    leases.unlock("alice", "desktop", "broker-2/r");
    assertThat(acquiredAt).isNotDone();

    clock.advance(Duration.ofMillis(5));

    assertThat(acquiredAt.get()).isEqualTo(released.plusMillis(5));
    Instant now = clock.instant();
    assertThat(leases.tryLock("alice", "desktop", "broker-3/r", now, now.plusSeconds(1)))
        .as("released again after the request").isTrue();
  }

  @Test
  void aLeaseHeldPastTheDeadlineIsARetryableRefusal() {
    Instant began = clock.instant();
    heldByAnotherBroker();
    CompletableFuture<UserPoolLocks.Held> waiting =
        CompletableFuture.supplyAsync(() -> locks.lock("alice", "desktop", DEADLINE));

    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
      clock.advance(Duration.ofSeconds(1));  // each step lets the pending pause end
      return waiting.isDone();
    });

    assertThat(waiting).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).kind()).isEqualTo(Reason.REQUEST_IN_PROGRESS));
    assertThat(clock.instant()).isAfterOrEqualTo(began.plus(DEADLINE).minusSeconds(1));
  }
}
