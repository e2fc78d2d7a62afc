package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Assignment.Claim.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Dedicated assignments: a VM has one user, a user one VM per pool, even when brokers race. */
interface AssignmentContract extends StoreFixture {

  int RACERS = 12;

  private void cadPoolWithUsers(int users) {
    store().pools().create(dedicated("cad"), ADMIN);
    for (int i = 0; i < users; i++) {
      store().accounts().createUser(user("user" + i), ADMIN);
    }
  }

  @Test
  default void aClaimGetsAFreeVmAndTellsWhatHeldItOtherwise() {
    cadPoolWithUsers(3);
    AssignmentStore assignments = store().assignments();

    Assignment.Claim first = assignments.claim("cad", "user0", "vm-1");
    assertThat(first.outcome()).isEqualTo(Outcome.CLAIMED);
    assertThat(first.assignment()).isEqualTo(new Assignment("cad", "user0", "vm-1", clock().instant()));
    assertThat(assignments.of("cad", "user0")).contains(first.assignment());

    Assignment.Claim taken = assignments.claim("cad", "user1", "vm-1");
    assertThat(taken.outcome()).isEqualTo(Outcome.VM_TAKEN);
    assertThat(taken.assignment()).isNull();

    Assignment.Claim hasOne = assignments.claim("cad", "user0", "vm-2");
    assertThat(hasOne.outcome()).isEqualTo(Outcome.USER_HAS_ONE);
    assertThat(hasOne.assignment()).isEqualTo(first.assignment());
    assertThat(assignments.claim("cad", "user0", "vm-1").outcome()).isEqualTo(Outcome.USER_HAS_ONE);

    assertThat(assignments.assignedAmong(List.of("vm-1", "vm-2", "vm-3"))).containsExactly("vm-1");
    assertThat(assignments.assignedAmong(List.of())).isEmpty();
    assertThat(audit(store(), null, "assignment.", null)).isEmpty();
  }

  @Test
  default void releaseUndoesOnlyTheExactClaim() {
    cadPoolWithUsers(2);
    AssignmentStore assignments = store().assignments();
    assignments.claim("cad", "user0", "vm-1");

    assignments.release("cad", "user0", "vm-2");
    assignments.release("cad", "user1", "vm-1");
    assertThat(assignments.of("cad", "user0")).isPresent();

    assignments.release("cad", "user0", "vm-1");
    assertThat(assignments.of("cad", "user0")).isEmpty();
    assertThat(assignments.claim("cad", "user1", "vm-1").outcome()).isEqualTo(Outcome.CLAIMED);
  }

  @Test
  default void aClaimForAnUnknownPoolOrUserIsNotFound() {
    cadPoolWithUsers(1);
    assertFails(Reason.NOT_FOUND, null, () -> store().assignments().claim("nope", "user0", "vm-1"));
    assertFails(Reason.NOT_FOUND, null, () -> store().assignments().claim("cad", "nobody", "vm-1"));
    assertFails(Reason.BAD_REQUEST, "vmId", () -> store().assignments().claim("cad", "user0", ""));
    assertThat(store().assignments().claim("cad", "user0", "vm-1").outcome()).isEqualTo(Outcome.CLAIMED);
  }

  @Test
  default void adminsAssignAndUnassignWithAnAuditEntryEach() {
    cadPoolWithUsers(3);
    store().pools().create(floating("desktops"), ADMIN);
    store().pools().create(dedicated("lab"), ADMIN);
    AssignmentStore assignments = store().assignments();

    Assignment a = assignments.assign("cad", "user0", "vm-1", ADMIN);
    assignments.assign("lab", "user0", "vm-2", ADMIN);
    assignments.claim("cad", "user1", "vm-3");
    assertThat(assignments.list(null, null)).extracting(Assignment::pool, Assignment::user, Assignment::vmId)
        .containsExactly(tuple("cad", "user0", "vm-1"), tuple("cad", "user1", "vm-3"), tuple("lab", "user0", "vm-2"));
    assertThat(assignments.list("cad", null)).hasSize(2);
    assertThat(assignments.list(null, "user0")).hasSize(2);
    assertThat(assignments.list("lab", "user1")).isEmpty();
    assertThat(assignments.list("cad", "user0")).containsExactly(a);

    assertFails(Reason.CONFLICT, "vmId", () -> assignments.assign("cad", "user2", "vm-1", ADMIN));
    assertFails(Reason.CONFLICT, "user", () -> assignments.assign("cad", "user0", "vm-9", ADMIN));
    assertFails(Reason.BAD_REQUEST, "pool", () -> assignments.assign("desktops", "user2", "vm-9", ADMIN));
    assertFails(Reason.NOT_FOUND, "pool", () -> assignments.assign("nope", "user2", "vm-9", ADMIN));
    assertFails(Reason.NOT_FOUND, "user", () -> assignments.assign("cad", "nobody", "vm-9", ADMIN));

    assignments.unassign("vm-1", ADMIN);
    assertThat(assignments.of("cad", "user0")).isEmpty();
    assertFails(Reason.NOT_FOUND, "vmId", () -> assignments.unassign("vm-1", ADMIN));

    assertThat(audit(store(), null, "assignment.", null))
        .extracting(AuditEntry::action, AuditEntry::target)
        .containsExactly(tuple("assignment.delete", "vm-1"), tuple("assignment.create", "vm-2"),
            tuple("assignment.create", "vm-1"));
    assertThat(audit(store(), null, "assignment.delete", null).get(0).detail()).contains("cad", "user0");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void brokersRacingForOneVmEndWithExactlyOneWinner() throws Exception {
    cadPoolWithUsers(RACERS);
    List<Assignment.Claim> claims = race(i -> "user" + i, i -> "vm-contested");

    assertThat(claims).filteredOn(c -> c.outcome() == Outcome.CLAIMED).hasSize(1);
    assertThat(claims).filteredOn(c -> c.outcome() == Outcome.VM_TAKEN).hasSize(RACERS - 1);
    assertThat(store().assignments().list("cad", null)).hasSize(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void brokersRacingForOneUserGiveThemExactlyOneVm() throws Exception {
    cadPoolWithUsers(1);
    List<Assignment.Claim> claims = race(i -> "user0", i -> "vm-" + i);

    Assignment winner = store().assignments().of("cad", "user0").orElseThrow();
    assertThat(claims).filteredOn(c -> c.outcome() == Outcome.CLAIMED).hasSize(1)
        .extracting(Assignment.Claim::assignment).containsExactly(winner);
    assertThat(claims).filteredOn(c -> c.outcome() == Outcome.USER_HAS_ONE).hasSize(RACERS - 1)
        .extracting(Assignment.Claim::assignment).containsOnly(winner);
  }

  /**
   * Claims from {@link #RACERS} threads at once, spread over four stores on the database, as if
   * four brokers shared it.
   */
  private List<Assignment.Claim> race(IntFunction<String> user,
      IntFunction<String> vm) throws Exception {
    List<Store> brokers = List.of(store(), open(settings()), open(settings()), open(settings()));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(RACERS);
    try {
      List<Future<Assignment.Claim>> futures = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        int racer = i;
        Callable<Assignment.Claim> claim = () -> {
          go.await();
          return brokers.get(racer % brokers.size()).assignments().claim("cad", user.apply(racer), vm.apply(racer));
        };
        futures.add(threads.submit(claim));
      }
      go.countDown();
      List<Assignment.Claim> claims = new ArrayList<>();
      for (Future<Assignment.Claim> future : futures) {
        claims.add(future.get(30, TimeUnit.SECONDS));
      }
      return claims;
    } finally {
      threads.shutdownNow();
    }
  }
}
