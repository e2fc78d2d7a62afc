package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Brokering locks: one holder per (user, pool) across brokers, taken over once expired, released
 * only by their holder; judged by the callers' times, not the database's.
 */
interface BrokeringLockContract extends StoreFixture {

  int LOCK_RACERS = 12;
  Duration LEASE = Duration.ofSeconds(30);

  private boolean tryLock(Store store, String user, String holder) {
    Instant now = clock().instant();
    return store.brokeringLocks().tryLock(user, "lab", holder, now, now.plus(LEASE));
  }

  @Test
  default void aLockIsHeldUntilItsHolderUnlocksIt() {
    BrokeringLocks locks = store().brokeringLocks();
    assertThat(tryLock(store(), "alice", "broker-1/r1")).isTrue();
    assertThat(tryLock(store(), "alice", "broker-2/r2")).isFalse();
    assertThat(tryLock(store(), "alice", "broker-1/r1")).as("not re-entrant").isFalse();
    assertThat(tryLock(store(), "bob", "broker-2/r2")).as("another user").isTrue();
    Instant now = clock().instant();
    assertThat(locks.tryLock("alice", "other-pool", "broker-2/r2", now, now.plus(LEASE))).as("another pool").isTrue();

    locks.unlock("alice", "lab", "broker-1/r1");
    assertThat(tryLock(store(), "alice", "broker-2/r3")).isTrue();
    assertThat(audit(store())).isEmpty();
  }

  @Test
  default void onlyTheHolderUnlocks() {
    BrokeringLocks locks = store().brokeringLocks();
    assertThat(tryLock(store(), "alice", "broker-1/r1")).isTrue();

    locks.unlock("alice", "lab", "broker-2/r1");
    locks.unlock("alice", "lab", "BROKER-1/r1");
    locks.unlock("alice", "other-pool", "broker-1/r1");
    locks.unlock("Alice", "lab", "broker-1/r1");
    locks.unlock(null, null, null);
    locks.unlock("nobody", "lab", "broker-1/r1");
    assertThat(tryLock(store(), "alice", "broker-2/r2")).isFalse();
  }

  @Test
  default void anExpiredLockIsTakenOverAndItsOldHolderCannotUnlockIt() {
    BrokeringLocks locks = store().brokeringLocks();
    assertThat(tryLock(store(), "alice", "crashed")).isTrue();

    clock().advance(LEASE.minusNanos(1000));
    assertThat(tryLock(store(), "alice", "broker-2/r1")).as("a microsecond before expiry").isFalse();
    clock().advance(Duration.ofNanos(1000));
    assertThat(tryLock(store(), "alice", "broker-2/r1")).as("at expiry").isTrue();
    assertThat(tryLock(store(), "alice", "broker-3/r1")).as("the new lease is live").isFalse();

    locks.unlock("alice", "lab", "crashed");
    assertThat(tryLock(store(), "alice", "broker-3/r1")).isFalse();
    locks.unlock("alice", "lab", "broker-2/r1");
    assertThat(tryLock(store(), "alice", "broker-3/r1")).isTrue();
  }

  @Test
  default void expiryIsJudgedByTheCallersTimeNotTheDatabases() {
    BrokeringLocks locks = store().brokeringLocks();
    Instant past = Instant.parse("2001-02-03T04:05:06.123456Z");
    assertThat(locks.tryLock("alice", "lab", "a", past, past.plusSeconds(30))).isTrue();
    assertThat(locks.tryLock("alice", "lab", "b", past.plusSeconds(29), past.plusSeconds(60))).isFalse();
    assertThat(locks.tryLock("alice", "lab", "b", past.plusSeconds(30), past.plusSeconds(60))).isTrue();

    Instant future = Instant.parse("2999-01-01T00:00:00Z");
    assertThat(locks.tryLock("bob", "lab", "a", future, future.plusSeconds(30))).isTrue();
    assertThat(locks.tryLock("bob", "lab", "b", Instant.now(), future)).isFalse();
  }

  @Test
  default void badArgumentsAreRefusedNamingTheField() {
    BrokeringLocks locks = store().brokeringLocks();
    Instant now = clock().instant();
    Instant later = now.plus(LEASE);
    assertFails(Reason.BAD_REQUEST, "user", () -> locks.tryLock(null, "lab", "h", now, later));
    assertFails(Reason.BAD_REQUEST, "user", () -> locks.tryLock("a:b", "lab", "h", now, later));
    assertFails(Reason.BAD_REQUEST, "pool", () -> locks.tryLock("alice", null, "h", now, later));
    assertFails(Reason.BAD_REQUEST, "pool", () -> locks.tryLock("alice", "a b", "h", now, later));
    assertFails(Reason.BAD_REQUEST, "holder", () -> locks.tryLock("alice", "lab", " ", now, later));
    assertFails(Reason.BAD_REQUEST, "holder", () -> locks.tryLock("alice", "lab", "x".repeat(257), now, later));
    assertFails(Reason.BAD_REQUEST, "now", () -> locks.tryLock("alice", "lab", "h", null, later));
    assertFails(Reason.BAD_REQUEST, "expiresAt", () -> locks.tryLock("alice", "lab", "h", now, now));
    assertFails(Reason.BAD_REQUEST, "expiresAt", () -> locks.tryLock("alice", "lab", "h", now, now.minusSeconds(1)));
    assertThat(tryLock(store(), "alice", "h")).isTrue();
  }

  @Test
  default void awkwardNamesLockAndUnlockExactly() {
    String longest = "\uD83D\uDE00".repeat(Inputs.NAME_MAX);
    List<String> users = new ArrayList<>(NamesContract.NAMES);
    users.add(longest);
    for (String user : users) {
      String holder = "broker 'é' \"" + user + "\"";
      assertThat(tryLock(store(), user, holder)).as(user).isTrue();
      assertThat(tryLock(store(), user, holder + " ")).as(user).isFalse();
    }
    assertThat(tryLock(store(), "Zoe", "h")).isTrue();
    assertThat(tryLock(store(), "zoë", "h")).isTrue();
    String holder255 = "ü".repeat(255) + "\uD83D\uDE00";
    assertThat(tryLock(store(), "max-holder", holder255)).isTrue();
    store().brokeringLocks().unlock("max-holder", "lab", holder255);
    assertThat(tryLock(store(), "max-holder", "h")).isTrue();
    for (String user : users) {
      store().brokeringLocks().unlock(user, "lab", "broker 'é' \"" + user + "\"");
      assertThat(tryLock(store(), user, "next")).as(user).isTrue();
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void brokersRacingForAFreeLockEndWithExactlyOneHolder() throws Exception {
    assertThat(race()).isEqualTo(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void brokersRacingToTakeOverAnExpiredLockEndWithExactlyOneHolder() throws Exception {
    assertThat(tryLock(store(), "alice", "crashed")).isTrue();
    clock().advance(LEASE);
    assertThat(race()).isEqualTo(1);
  }

  /**
   * {@link #LOCK_RACERS} threads try to lock alice in lab at once, spread over four stores on the
   * database as if four brokers shared it; returns how many got it.
   */
  private int race() throws Exception {
    List<Store> brokers = List.of(store(), open(settings()), open(settings()), open(settings()));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(LOCK_RACERS);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int i = 0; i < LOCK_RACERS; i++) {
        int racer = i;
        Callable<Boolean> lock = () -> {
          go.await();
          return tryLock(brokers.get(racer % brokers.size()), "alice", "racer-" + racer);
        };
        futures.add(threads.submit(lock));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> future : futures) {
        winners += future.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      return winners;
    } finally {
      threads.shutdownNow();
    }
  }
}
