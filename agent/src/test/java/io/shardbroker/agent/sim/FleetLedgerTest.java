package io.shardbroker.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.agent.host.SimulatedSessionHost.Witness;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class FleetLedgerTest {

  private final FakeClock clock = new FakeClock();
  private final FleetLedger ledger = new FleetLedger(clock);

  private static SessionSpec session(String id, String user, String pool, String vm) {
    return new SessionSpec(id, user, pool, vm);
  }

  @Test
  void countsStartsAndEndsAndJudgesEachStartAgainstWhatRunsThen() {
    Witness vm1 = ledger.vm("desktop-00001", "desktop", 1);
    Witness vm2 = ledger.vm("desktop-00002", "desktop", 1);
    Witness shared = ledger.vm("shared-00001", "shared", 2);

    vm1.started(session("s1", "alice", "desktop", "desktop-00001"));
    vm2.started(session("s2", "bob", "desktop", "desktop-00002"));
    shared.started(session("s3", "alice", "shared", "shared-00001"));  // another pool: allowed
    shared.started(session("s4", "bob", "shared", "shared-00001"));    // within capacity 2
    vm1.ended(session("s1", "alice", "desktop", "desktop-00001"));
    vm2.started(session("s1b", "alice", "desktop", "desktop-00002"));  // bob still there: a violation
    vm2.ended(session("s1b", "alice", "desktop", "desktop-00002"));

    FleetLedger.Report report = ledger.report();
    assertThat(report.sessionsStarted()).isEqualTo(5);
    assertThat(report.sessionsEnded()).isEqualTo(2);
    assertThat(report.violations().userTwiceInPool()).isZero();
    assertThat(report.violations().overCapacity()).isEqualTo(1);
  }

  @Test
  void aUserMayStartAgainInAPoolOnceTheFirstSessionEnded() {
    Witness vm1 = ledger.vm("desktop-00001", "desktop", 1);
    Witness vm2 = ledger.vm("desktop-00002", "desktop", 1);

    vm1.started(session("s1", "alice", "desktop", "desktop-00001"));
    vm1.ended(session("s1", "alice", "desktop", "desktop-00001"));
    vm2.started(session("s2", "alice", "desktop", "desktop-00002"));

    assertThat(ledger.report().violations())
        .isEqualTo(new FleetLedger.Violations(0, 0, List.of()));
  }

  @Test
  void overCapacityIsCountedWhenItHappensAndStaysCountedAfterItHealed() {
    Witness vm = ledger.vm("desktop-00007", "desktop", 1);
    vm.started(session("s1", "alice", "desktop", "desktop-00007"));
    clock.advance(Duration.ofSeconds(5));

    vm.started(session("s2", "bob", "desktop", "desktop-00007"));
    vm.ended(session("s2", "bob", "desktop", "desktop-00007"));

    FleetLedger.Violations v = ledger.report().violations();
    assertThat(v.overCapacity()).isEqualTo(1);
    assertThat(v.userTwiceInPool()).isZero();
    assertThat(v.examples()).containsExactly("2026-01-01T00:00:05Z overCapacity: desktop-00007"
        + " (pool desktop, capacity 1) runs 2 sessions: s1 for alice, s2 for bob");
  }

  @Test
  void aUserWithTwoSessionsInOnePoolIsCountedOnOneVmOrOnTwo() {
    Witness vm1 = ledger.vm("desktop-00001", "desktop", 1);
    Witness vm2 = ledger.vm("desktop-00002", "desktop", 1);
    Witness shared = ledger.vm("shared-00001", "shared", 4);

    vm1.started(session("s1", "alice", "desktop", "desktop-00001"));
    vm2.started(session("s2", "alice", "desktop", "desktop-00002"));
    shared.started(session("s3", "carol", "shared", "shared-00001"));
    shared.started(session("s4", "carol", "shared", "shared-00001"));

    FleetLedger.Violations v = ledger.report().violations();
    assertThat(v.userTwiceInPool()).isEqualTo(2);
    assertThat(v.overCapacity()).isZero();
    assertThat(v.examples()).containsExactly(
        "2026-01-01T00:00:00Z userTwiceInPool: user alice runs 2 sessions in pool desktop:"
            + " s1 on desktop-00001, s2 on desktop-00002",
        "2026-01-01T00:00:00Z userTwiceInPool: user carol runs 2 sessions in pool shared:"
            + " s3 on shared-00001, s4 on shared-00001");
  }

  @Test
  void repeatedReportsOfOneSessionCountOnce() {
    Witness vm = ledger.vm("desktop-00001", "desktop", 1);
    SessionSpec s1 = session("s1", "alice", "desktop", "desktop-00001");

    vm.started(s1);
    vm.started(s1);
    vm.ended(s1);
    vm.ended(s1);
    vm.ended(session("unknown", "bob", "desktop", "desktop-00001"));

    FleetLedger.Report report = ledger.report();
    assertThat(report.sessionsStarted()).isEqualTo(1);
    assertThat(report.sessionsEnded()).isEqualTo(1);
    assertThat(report.violations().examples()).isEmpty();
  }

  @Test
  void onlyTheFirstExamplesAreKeptButEveryViolationIsCounted() {
    Witness vm = ledger.vm("shared-00001", "shared", 100);
    for (int i = 0; i < 50; i++) {
      vm.started(session("s" + i, "alice", "shared", "shared-00001"));
    }

    FleetLedger.Violations v = ledger.report().violations();
    assertThat(v.userTwiceInPool()).isEqualTo(49);
    assertThat(v.examples()).hasSize(FleetLedger.EXAMPLES_KEPT);
    assertThat(v.examples().get(0)).endsWith("runs 2 sessions in pool shared: s0 on shared-00001,"
        + " s1 on shared-00001");
  }

  @Test
  void concurrentReportsFromManyVmsAddUp() {
    // 8 threads, each its own VMs and users, starting and ending: no violation may appear.
    List<CompletableFuture<Void>> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.add(CompletableFuture.runAsync(() -> {
        Witness vm = ledger.vm("desktop-" + thread, "desktop", 1);
        for (int i = 0; i < 2_000; i++) {
          SessionSpec s = session("s-" + thread + "-" + i, "user" + thread, "desktop", "desktop-" + thread);
          vm.started(s);
          vm.ended(s);
        }
      }));
    }
    threads.forEach(CompletableFuture::join);

    FleetLedger.Report report = ledger.report();
    assertThat(report.sessionsStarted()).isEqualTo(16_000);
    assertThat(report.sessionsEnded()).isEqualTo(16_000);
    assertThat(report.violations().overCapacity() + report.violations().userTwiceInPool()).isZero();
  }
}
