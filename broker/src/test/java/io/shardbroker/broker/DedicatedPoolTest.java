package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.SETUP;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.Assignment;
import io.shardbroker.store.Entitlement.Principal;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Store;
import io.shardbroker.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dedicated pools: a user's first session claims a free unassigned VM in the store before it
 * starts; every later session goes to that VM and nowhere else, until an admin unassigns it. The
 * pool {@code eng} is dedicated, single-session, for group {@code staff}.
 */
@Timeout(120)
class DedicatedPoolTest {

  private static final int RACE_ROUNDS = 10;

  private TestBroker broker;
  private Api api;

  private void start(String storeUrl) throws Exception {
    broker = storeUrl == null ? TestBroker.start() : TestBroker.start(storeUrl);
    api = broker.api;
    createPool("eng");
  }

  private void createPool(String name) {
    broker.store.pools().create(new Pool(name, name, Pool.Kind.DEDICATED, Pool.SessionMode.SINGLE, "rdp", true),
        SETUP);
    broker.store.entitlements().create(name, Principal.group("staff"), SETUP);
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void theFirstSessionClaimsAVmBeforeAnsweringAndLaterOnesGoBackToIt() throws Exception {
    start(null);
    for (int i = 1; i <= 4; i++) {
      (i % 2 == 1 ? broker.a1 : broker.a2).addVm("eng-" + i, "eng", 2);
    }

    Answer first = api.openSession("alice", "eng");

    assertThat(first.status()).isEqualTo(201);
    String mine = first.text("/vmId");
    // Read at once, without waiting: the claim was stored before the 201 was sent.
    var assignments = api.get(ADMIN, "/api/v1/admin/assignments").json().get("assignments");
    assertThat(assignments).hasSize(1);
    assertThat(assignments.get(0).get("pool").asText()).isEqualTo("eng");
    assertThat(assignments.get(0).get("user").asText()).isEqualTo("alice");
    assertThat(assignments.get(0).get("vmId").asText()).isEqualTo(mine);
    assertThat(assignments.get(0).get("assignedAt").asText()).isEqualTo(broker.clock.instant().toString());

    assertThat(api.endSession("alice", first.text("/sessionId")).status()).isEqualTo(204);
    // Someone else's session makes alice's VM the most loaded; the other three stay free.
    FakeConcentrator holder = broker.a1.has(mine) ? broker.a1 : broker.a2;
    holder.addSession(mine, "console", "operator");
    for (int round = 0; round < 5; round++) {
      Answer again = api.openSession("alice", "eng");
      assertThat(again.status()).as("%s", again).isEqualTo(201);
      assertThat(again.text("/vmId")).isEqualTo(mine);
      assertThat(again.json().get("reconnected").asBoolean()).isFalse();
      assertThat(api.endSession("alice", again.text("/sessionId")).status()).isEqualTo(204);
    }
    List<String> tried = new ArrayList<>(broker.a1.startsOf("alice"));
    tried.addAll(broker.a2.startsOf("alice"));
    assertThat(tried).containsOnly(mine);
    assertThat(broker.store.assignments().list("eng", null)).extracting(Assignment::vmId).containsExactly(mine);
  }

  @Test
  void aVmAssignedToOneUserIsNeverGivenToAnother() throws Exception {
    start(null);
    broker.a1.addVm("eng-1", "eng", 1);
    Answer alice = api.openSession("alice", "eng");
    assertThat(alice.text("/vmId")).isEqualTo("eng-1");
    api.endSession("alice", alice.text("/sessionId"));

    // eng-1 is free, but alice's: bob gets nothing.
    assertError(api.openSession("bob", "eng"), 503, "pool_exhausted");
    assertThat(broker.a1.startsOf("bob")).isEmpty();
    assertThat(broker.a2.startsOf("bob")).isEmpty();
    assertError(api.post(ADMIN, "/api/v1/admin/assignments",
        json("pool", "eng", "user", "bob", "vmId", "eng-1")), 409, "conflict");

    broker.a2.addVm("eng-2", "eng", 1);
    Answer bob = api.openSession("bob", "eng");
    assertThat(bob.status()).isEqualTo(201);
    assertThat(bob.text("/vmId")).isEqualTo("eng-2");
    assertThat(broker.store.assignments().list("eng", null))
        .extracting(Assignment::user, Assignment::vmId)
        .containsExactly(tuple("alice", "eng-1"),
            tuple("bob", "eng-2"));
  }

  @Test
  void unassigningAVmThroughTheAdminApiFreesItForSomeoneElse() throws Exception {
    start(null);
    broker.a1.addVm("eng-1", "eng", 1);
    Answer alice = api.openSession("alice", "eng");
    api.endSession("alice", alice.text("/sessionId"));
    assertError(api.openSession("bob", "eng"), 503, "pool_exhausted");

    assertThat(api.delete(ADMIN, "/api/v1/admin/assignments/eng-1").status()).isEqualTo(204);
    assertThat(api.get(ADMIN, "/api/v1/admin/assignments").json().get("assignments")).isEmpty();

    Answer bob = api.openSession("bob", "eng");
    assertThat(bob.status()).isEqualTo(201);
    assertThat(bob.text("/vmId")).isEqualTo("eng-1");
    assertThat(broker.store.assignments().of("eng", "bob")).map(Assignment::vmId).contains("eng-1");
    assertThat(broker.store.assignments().of("eng", "alice")).isEmpty();
    assertError(api.delete(ADMIN, "/api/v1/admin/assignments/no-such-vm"), 404, "not_found");
  }

  @Test
  void aUsersOwnVmInMaintenanceOrGoneIsDesktopUnavailableAndNoOtherVmIsClaimed() throws Exception {
    start(null);
    broker.a1.addVm("eng-1", "eng", 1);
    Answer first = api.openSession("alice", "eng");
    assertThat(first.text("/vmId")).isEqualTo("eng-1");
    // Draining leaves the running session: alice gets it back.
    assertThat(api.put(ADMIN, "/api/v1/admin/vms/eng-1/maintenance", null).status()).isEqualTo(200);
    Answer running = api.openSession("alice", "eng");
    assertThat(running.status()).isEqualTo(200);
    assertThat(running.text("/sessionId")).isEqualTo(first.text("/sessionId"));
    api.endSession("alice", first.text("/sessionId"));
    broker.a1.addVm("eng-2", "eng", 1);
    broker.a2.addVm("eng-3", "eng", 1);
    int startsBefore = broker.a1.starts.size() + broker.a2.starts.size();

    Answer drained = api.openSession("alice", "eng");
    assertError(drained, 503, "desktop_unavailable");
    assertThat(drained.header("Retry-After")).contains("7");
    assertThat(broker.a1.starts.size() + broker.a2.starts.size()).isEqualTo(startsBefore);

    assertThat(api.delete(ADMIN, "/api/v1/admin/vms/eng-1/maintenance").status()).isEqualTo(204);
    broker.a1.removeVm("eng-1");  // its agent is gone
    assertError(api.openSession("alice", "eng"), 503, "desktop_unavailable");

    broker.a2.addVm("eng-1", "eng", 1);  // back, attached elsewhere
    Answer back = api.openSession("alice", "eng");
    assertThat(back.status()).isEqualTo(201);
    assertThat(back.text("/vmId")).isEqualTo("eng-1");
    assertThat(broker.store.assignments().list("eng", null)).extracting(Assignment::vmId).containsExactly("eng-1");
  }

  @Test
  void aStartRefusedOnAFreshlyClaimedVmReleasesTheClaimAndMovesOn() throws Exception {
    start(null);
    broker.a1.addVm("eng-1", "eng", 1).refuses = true;
    broker.a2.addVm("eng-2", "eng", 1).hiddenFromFinds = 1;  // offered from the second round on

    Answer alice = api.openSession("alice", "eng");

    assertThat(alice.status()).as("%s", alice).isEqualTo(201);
    assertThat(alice.text("/vmId")).isEqualTo("eng-2");
    assertThat(broker.a1.startsOf("alice")).startsWith("eng-1");
    assertThat(broker.store.assignments().list("eng", null))
        .extracting(Assignment::user, Assignment::vmId)
        .containsExactly(tuple("alice", "eng-2"));

    // The refusal left eng-1 unassigned: once its agent accepts, bob gets it.
    broker.a1.setRefuses("eng-1", false);
    Answer bob = api.openSession("bob", "eng");
    assertThat(bob.status()).as("%s", bob).isEqualTo(201);
    assertThat(bob.text("/vmId")).isEqualTo("eng-1");
  }

  @Test
  void whenEveryStartIsRefusedNoClaimIsLeftBehind() throws Exception {
    start(null);
    broker.a1.addVm("eng-1", "eng", 1).refuses = true;
    broker.a2.addVm("eng-2", "eng", 1).refuses = true;

    assertError(api.openSession("alice", "eng"), 503, "pool_exhausted");

    assertThat(broker.a1.startsOf("alice")).contains("eng-1");
    assertThat(broker.a2.startsOf("alice")).contains("eng-2");
    assertThat(broker.store.assignments().list("eng", null)).isEmpty();
  }

  /**
   * Two broker processes on one PostgreSQL database, one free VM, two users asking at once through
   * different brokers: the database's unique keys leave exactly one winner. The fake holds both
   * brokers' first FindCandidates until both have asked, so both see the VM free; its agent would
   * take two sessions, so only the claim in the store keeps the second user off it.
   */
  @Test
  void twoBrokersRacingForOneVmOnASharedDatabaseEndWithOneWinner() throws Exception {
    start(TestPostgres.newDatabase());
    Store second = broker.openStore(broker.storeUrl);
    Api other = broker.startBroker("test-broker-2", second);
    // Sign both users in on both brokers first, so the race is about brokering only.
    for (Api each : List.of(api, other)) {
      each.get("alice", "/api/v1/me");
      each.get("bob", "/api/v1/me");
    }

    for (int round = 0; round < RACE_ROUNDS; round++) {
      String pool = "race-" + round;
      String vm = pool + "-vm";
      createPool(pool);
      broker.a1.addVm(vm, pool, 2);  // room for both: only the store can stop the second start
      broker.a1.holdFinds(2);
      // Alternate which user goes through which broker.
      Api aliceVia = round % 2 == 0 ? api : other;
      Api bobVia = round % 2 == 0 ? other : api;

      CompletableFuture<Answer> aliceAsks = aliceVia.sendAsync("alice", PASSWORD, "POST", "/api/v1/sessions",
          json("pool", pool), null);
      CompletableFuture<Answer> bobAsks = bobVia.sendAsync("bob", PASSWORD, "POST", "/api/v1/sessions",
          json("pool", pool), null);
      List<Answer> answers = List.of(aliceAsks.join(), bobAsks.join());

      assertThat(answers).as("round %d: %s", round, answers)
          .extracting(Answer::status).containsExactlyInAnyOrder(201, 503);
      Answer won = answers.stream().filter(a -> a.status() == 201).findFirst().orElseThrow();
      Answer lost = answers.stream().filter(a -> a.status() == 503).findFirst().orElseThrow();
      assertThat(won.text("/vmId")).isEqualTo(vm);
      assertError(lost, 503, "pool_exhausted");
      for (Store store : List.of(broker.store, second)) {
        assertThat(store.assignments().list(pool, null))
            .extracting(Assignment::user, Assignment::vmId)
            .containsExactly(tuple(won.text("/user"), vm));
      }
      assertThat(broker.a1.sessionsOn(vm)).isEqualTo(1);
    }
  }
}
