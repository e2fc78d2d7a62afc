package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import org.junit.jupiter.api.Test;

/** Pools: create, read, update, delete, each audited; the rules for their fields. */
interface PoolContract extends StoreFixture {

  @Test
  default void poolsAreCreatedReadUpdatedAndDeletedWithAnAuditEntryEach() {
    PoolStore pools = store().pools();
    Pool desktops = pools.create(floating("desktops"), ADMIN);
    pools.create(dedicated("cad.workstations"), ADMIN);

    assertThat(desktops).isEqualTo(floating("desktops"));
    assertThat(pools.find("desktops")).contains(desktops);
    assertThat(pools.list()).extracting(Pool::name).containsExactly("cad.workstations", "desktops");

    Pool updated = pools.update("desktops",
        new Pool.Change("Office desktops", Pool.SessionMode.MULTI, "pcoip", false), ADMIN);
    assertThat(updated).isEqualTo(new Pool("desktops", "Office desktops", Pool.Kind.FLOATING,
        Pool.SessionMode.MULTI, "pcoip", false));
    assertThat(pools.find("desktops")).contains(updated);
    assertThat(pools.update("desktops", new Pool.Change(null, null, null, true), ADMIN).enabled()).isTrue();

    pools.delete("desktops", ADMIN);
    assertThat(pools.find("desktops")).isEmpty();

    assertThat(audit(store(), null, "pool.", null))
        .extracting(AuditEntry::action, AuditEntry::target, AuditEntry::actor, AuditEntry::broker)
        .containsExactly(
            tuple("pool.delete", "desktops", "root", "broker-1"),
            tuple("pool.update", "desktops", "root", "broker-1"),
            tuple("pool.update", "desktops", "root", "broker-1"),
            tuple("pool.create", "cad.workstations", "root", "broker-1"),
            tuple("pool.create", "desktops", "root", "broker-1"));
    assertThat(audit(store(), null, "pool.update", null).get(1).detail())
        .contains("'Pool desktops' -> 'Office desktops'", "single -> multi", "rdp -> pcoip", "disabled");
    assertThat(audit(store()).get(0).at()).isEqualTo(clock().instant());
  }

  @Test
  default void anUpdateThatChangesNothingIsNotAudited() {
    store().pools().create(floating("desktops"), ADMIN);
    store().pools().update("desktops", new Pool.Change(null, null, "rdp", null), ADMIN);
    assertThat(audit(store(), null, "pool.update", null)).isEmpty();
  }

  @Test
  default void aDisplayNameDefaultsToTheName() {
    Pool pool = store().pools().create(
        new Pool("lab", null, Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true), ADMIN);
    assertThat(pool.displayName()).isEqualTo("lab");
  }

  @Test
  default void badPoolFieldsAreRefusedNamingTheField() {
    PoolStore pools = store().pools();
    Pool good = floating("desktops");
    for (String name : new String[] {"", "-lead", "has space", "semi;colon", "quote'", "ü", "x".repeat(129)}) {
      assertFails(Reason.BAD_REQUEST, "name", () -> pools.create(
          new Pool(name, "x", good.kind(), good.sessionMode(), good.protocol(), true), ADMIN));
    }
    assertFails(Reason.BAD_REQUEST, "name", () -> pools.create(
        new Pool(null, "x", good.kind(), good.sessionMode(), good.protocol(), true), ADMIN));
    assertThat(pools.create(new Pool("a".repeat(128), "x", good.kind(), good.sessionMode(), "rdp", true), ADMIN))
        .isNotNull();
    assertThat(pools.create(new Pool("A-z_0.9:x", "x", good.kind(), good.sessionMode(), "rdp", true), ADMIN))
        .isNotNull();

    assertFails(Reason.BAD_REQUEST, "displayName", () -> pools.create(
        new Pool("p1", "bell\u0007", good.kind(), good.sessionMode(), "rdp", true), ADMIN));
    assertFails(Reason.BAD_REQUEST, "displayName", () -> pools.create(
        new Pool("p1", "x".repeat(257), good.kind(), good.sessionMode(), "rdp", true), ADMIN));
    assertFails(Reason.BAD_REQUEST, "kind", () -> pools.create(
        new Pool("p1", "x", null, good.sessionMode(), "rdp", true), ADMIN));
    assertFails(Reason.BAD_REQUEST, "sessionMode", () -> pools.create(
        new Pool("p1", "x", good.kind(), null, "rdp", true), ADMIN));
    for (String protocol : new String[] {"RDP", "1rdp", "", "rdp ", "r".repeat(33)}) {
      assertFails(Reason.BAD_REQUEST, "protocol", () -> pools.create(
          new Pool("p1", "x", good.kind(), good.sessionMode(), protocol, true), ADMIN));
    }
    pools.create(good, ADMIN);
    assertFails(Reason.BAD_REQUEST, "protocol", () -> pools.update("desktops",
        new Pool.Change(null, null, "Not A Protocol", null), ADMIN));
    assertFails(Reason.BAD_REQUEST, "actor", () -> pools.create(floating("p2"), null));

    assertThat(pools.list()).extracting(Pool::name).doesNotContain("p1", "p2");
    assertThat(audit(store())).hasSize(3);
  }

  @Test
  default void aTakenNameIsAConflictAndAnUnknownPoolIsNotFound() {
    PoolStore pools = store().pools();
    pools.create(floating("desktops"), ADMIN);
    assertFails(Reason.CONFLICT, "name", () -> pools.create(dedicated("desktops"), ADMIN));
    assertThat(pools.find("desktops")).contains(floating("desktops"));

    assertThat(pools.find("nope")).isEmpty();
    assertFails(Reason.NOT_FOUND, "pool", () -> pools.update("nope", new Pool.Change("x", null, null, null), ADMIN));
    assertFails(Reason.NOT_FOUND, "pool", () -> pools.delete("nope", ADMIN));
    assertThat(audit(store())).hasSize(1);
  }

  @Test
  default void deletingAPoolDeletesItsEntitlementsAndAssignments() {
    store().pools().create(dedicated("cad"), ADMIN);
    store().accounts().createUser(user("alice"), ADMIN);
    store().entitlements().create("cad", Entitlement.Principal.user("alice"), ADMIN);
    store().assignments().assign("cad", "alice", "vm-1", ADMIN);

    store().pools().delete("cad", ADMIN);

    assertThat(store().entitlements().list(null, null, null)).isEmpty();
    assertThat(store().assignments().list(null, null)).isEmpty();
    assertThat(store().accounts().user("alice")).isPresent();
  }
}
