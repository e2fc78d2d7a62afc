package io.shardbroker.store;

import static io.shardbroker.store.TestData.PASSWORD;
import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Seed.SeedEntitlement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Seeds create what is missing, audited as "seed", never touch what exists, and apply each item
 * once: what an admin deleted stays deleted.
 */
interface SeedContract extends StoreFixture {

  Actor SEED = new Actor("seed", "broker-1");

  Seed DEMO = new Seed(
      List.of(floating("desktops"), dedicated("cad")),
      List.of(new Group(Group.ADMINS, "May use the admin API", List.of()), new Group("staff", null, List.of())),
      List.of(user("alice", "staff", Group.ADMINS), user("bob", "staff")),
      List.of(new SeedEntitlement("desktops", null, "staff"), new SeedEntitlement("cad", "alice", null)));

  @Test
  default void aSeedCreatesWhatIsMissingOnceAndAuditsEachCreation() {
    assertThat(store().apply(DEMO, SEED)).isEqualTo(8);

    assertThat(store().pools().list()).extracting(Pool::name).containsExactly("cad", "desktops");
    assertThat(store().accounts().user("alice").orElseThrow().groups()).containsExactly(Group.ADMINS, "staff");
    assertThat(store().accounts().verify("bob", PASSWORD)).isPresent();
    assertThat(store().entitlements().poolsOf("bob")).extracting(Pool::name).containsExactly("desktops");
    assertThat(store().entitlements().poolsOf("alice")).extracting(Pool::name).containsExactly("cad", "desktops");
    assertThat(audit(store(), "seed", null, null)).hasSize(8)
        .allSatisfy(e -> assertThat(e.broker()).isEqualTo("broker-1"))
        .extracting(AuditEntry::action)
        .containsOnly("group.create", "pool.create", "user.create", "entitlement.create");

    assertThat(store().apply(DEMO, SEED)).isZero();
    assertThat(audit(store())).hasSize(8);
    assertThat(store().apply(Seed.EMPTY, SEED)).isZero();
  }

  @Test
  default void aSeedNeverChangesWhatAnAdminChanged() {
    store().apply(DEMO, SEED);
    store().pools().update("desktops", new Pool.Change("Renamed", null, null, false), ADMIN);
    // Another admin, so that alice, the seed's only one, may be disabled (see LastAdminContract).
    store().accounts().createUser(user("carol", Group.ADMINS), ADMIN);
    store().accounts().updateUser("alice", new User.Change(null, "alice's own password", false), ADMIN);
    store().accounts().removeMember("staff", "bob", ADMIN);

    assertThat(store().apply(DEMO, SEED)).isZero();

    assertThat(store().pools().find("desktops").orElseThrow().displayName()).isEqualTo("Renamed");
    assertThat(store().pools().find("desktops").orElseThrow().enabled()).isFalse();
    assertThat(store().accounts().user("alice").orElseThrow().enabled()).isFalse();
    assertThat(store().accounts().verify("alice", PASSWORD)).isEmpty();
    assertThat(store().accounts().user("bob").orElseThrow().groups()).isEmpty();
  }

  /** The attack of issue 17: delete the seeded admin, restart on the same store, and she is back. */
  @Test
  default void whatAnAdminDeletedStaysDeletedAtEveryRestart() {
    store().apply(DEMO, SEED);
    store().accounts().createUser(user("carol", Group.ADMINS), ADMIN);
    store().accounts().deleteUser("alice", ADMIN);
    store().accounts().deleteGroup("staff", ADMIN);
    store().pools().delete("cad", ADMIN);
    store().close();

    for (int restart = 1; restart <= 2; restart++) {
      Store again = open(settings());
      assertThat(again.apply(DEMO, SEED)).as("restart %d", restart).isZero();
      assertThat(again.accounts().user("alice")).isEmpty();
      assertThat(again.accounts().group("staff")).isEmpty();
      assertThat(again.pools().find("cad")).isEmpty();
      assertThat(again.entitlements().poolsOf("bob")).isEmpty();
      again.close();
    }
  }

  @Test
  default void whatASeedFindsThereCountsAsAppliedAndWhatItNamesLaterIsStillCreated() {
    store().accounts().createGroup("staff", null, ADMIN);
    store().accounts().createUser(user("bob", "staff"), ADMIN);
    Seed bobOnly = new Seed(List.of(), List.of(new Group("staff", null, List.of())),
        List.of(user("bob", "staff")), List.of());
    assertThat(store().apply(bobOnly, SEED)).isZero();
    store().accounts().deleteUser("bob", ADMIN);
    assertThat(store().apply(bobOnly, SEED)).as("bob was there when the seed first named him").isZero();

    Seed withDan = new Seed(List.of(), bobOnly.groups(), List.of(user("bob", "staff"), user("dan", "staff")),
        List.of());
    assertThat(store().apply(withDan, SEED)).isEqualTo(1);
    assertThat(store().accounts().user("dan")).isPresent();
    assertThat(store().accounts().user("bob")).isEmpty();
  }

  /** Brokers sharing a database start together: each item is created and recorded once. */
  @Test
  default void brokersApplyingTheSameSeedAtOnceCreateEachItemOnce() throws Exception {
    List<Store> brokers = List.of(store(), open(settings()), open(settings()), open(settings()));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(brokers.size());
    int created = 0;
    try {
      List<Future<Integer>> applied = new ArrayList<>();
      for (Store broker : brokers) {
        applied.add(threads.submit(() -> {
          go.await();
          return broker.apply(DEMO, SEED);
        }));
      }
      go.countDown();
      for (Future<Integer> each : applied) {
        created += each.get(30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }

    assertThat(created).isEqualTo(8);
    assertThat(audit(store(), "seed", null, null)).hasSize(8);
  }

  @Test
  default void aBadSeedChangesNothing() {
    Seed unknownGroup = new Seed(List.of(floating("desktops")), List.of(),
        List.of(user("alice", "no-such-group")), List.of());
    assertFails(Reason.NOT_FOUND, "group", () -> store().apply(unknownGroup, SEED));

    Seed badPool = new Seed(List.of(floating("desktops"), floating("bad pool")), List.of(), List.of(), List.of());
    assertFails(Reason.BAD_REQUEST, "name", () -> store().apply(badPool, SEED));

    Seed both = new Seed(List.of(floating("desktops")), List.of(), List.of(user("alice")),
        List.of(new SeedEntitlement("desktops", "alice", "staff")));
    assertFails(Reason.BAD_REQUEST, "entitlements", () -> store().apply(both, SEED));

    Seed unknownPool = new Seed(List.of(), List.of(), List.of(user("alice")),
        List.of(new SeedEntitlement("nope", "alice", null)));
    assertFails(Reason.NOT_FOUND, "pool", () -> store().apply(unknownPool, SEED));

    assertThat(store().pools().list()).isEmpty();
    assertThat(store().accounts().users()).isEmpty();
    assertThat(audit(store())).isEmpty();
  }
}
