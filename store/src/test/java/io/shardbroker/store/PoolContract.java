package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import java.time.Duration;
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
  default void logoffLimitsAreKeptChangedOneAtATimeAndClearedWithNever() {
    PoolStore pools = store().pools();
    Pool.LogoffPolicy limits = new Pool.LogoffPolicy(Duration.ofHours(2), Duration.ofMinutes(30));
    Pool lab = pools.create(withLogoff(floating("lab"), limits), ADMIN);
    assertThat(lab.logoff()).isEqualTo(limits);
    assertThat(pools.find("lab")).contains(lab);
    assertThat(pools.list()).containsExactly(lab);
    assertThat(pools.create(floating("plain"), ADMIN).logoff().isNone()).isTrue();
    assertThat(pools.find("plain").orElseThrow().logoff()).isEqualTo(Pool.LogoffPolicy.NONE);

    Pool idleOnly = pools.update("lab", new Pool.Change(null, null, null, null, null, Pool.Change.NEVER), ADMIN);
    assertThat(idleOnly.logoff()).isEqualTo(new Pool.LogoffPolicy(Duration.ofHours(2), null));
    Pool changed = pools.update("lab",
        new Pool.Change(null, null, null, null, Duration.ofSeconds(90), Duration.ofDays(30)), ADMIN);
    assertThat(changed.logoff()).isEqualTo(new Pool.LogoffPolicy(Duration.ofSeconds(90), Duration.ofDays(30)));
    assertThat(pools.update("lab", new Pool.Change("Lab", null, null, null), ADMIN).logoff())
        .as("a change without limits keeps them").isEqualTo(changed.logoff());
    assertThat(pools.find("lab").orElseThrow().logoff()).isEqualTo(changed.logoff());

    assertThat(audit(store(), null, "pool.create", "lab").get(0).detail())
        .contains("idle logoff 2h, disconnected logoff 30m");
    assertThat(audit(store(), null, "pool.update", "lab")).extracting(AuditEntry::detail).containsExactly(
        "display name 'Pool lab' -> 'Lab'",
        "idle logoff 2h -> 1m30s, disconnected logoff never -> 30d",
        "disconnected logoff 30m -> never");
  }

  @Test
  default void theEntitledPoolCarriesItsLogoffLimits() {
    Pool.LogoffPolicy limits = new Pool.LogoffPolicy(null, Duration.ofMinutes(15));
    store().pools().create(withLogoff(floating("lab"), limits), ADMIN);
    store().accounts().createUser(user("alice"), ADMIN);
    store().entitlements().create("lab", Entitlement.Principal.user("alice"), ADMIN);

    assertThat(store().entitlements().entitledPool("alice", "lab")).hasValueSatisfying(
        pool -> assertThat(pool.logoff()).isEqualTo(limits));
  }

  @Test
  default void badLogoffLimitsAreRefusedNamingTheLimit() {
    PoolStore pools = store().pools();
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-5), Duration.ofMillis(1500),
        Duration.ofDays(30).plusSeconds(1)}) {
      assertFails(Reason.BAD_REQUEST, "idleLogoffAfter", () -> pools.create(
          withLogoff(floating("p1"), new Pool.LogoffPolicy(bad, null)), ADMIN));
      assertFails(Reason.BAD_REQUEST, "disconnectedLogoffAfter", () -> pools.create(
          withLogoff(floating("p1"), new Pool.LogoffPolicy(null, bad)), ADMIN));
    }
    pools.create(floating("desktops"), ADMIN);
    assertFails(Reason.BAD_REQUEST, "idleLogoffAfter", () -> pools.update("desktops",
        new Pool.Change(null, null, null, null, Duration.ofSeconds(-1), null), ADMIN));
    assertFails(Reason.BAD_REQUEST, "disconnectedLogoffAfter", () -> pools.update("desktops",
        new Pool.Change(null, null, null, null, null, Duration.ofDays(31)), ADMIN));

    assertThat(pools.list()).extracting(Pool::name).containsExactly("desktops");
    assertThat(pools.find("desktops").orElseThrow().logoff().isNone()).isTrue();
  }

  private static Pool withLogoff(Pool pool, Pool.LogoffPolicy logoff) {
    return new Pool(pool.name(), pool.displayName(), pool.kind(), pool.sessionMode(), pool.protocol(),
        pool.enabled(), logoff);
  }

  @Test
  default void anUpdateThatChangesNothingIsNotAudited() {
    store().pools().create(floating("desktops"), ADMIN);
    store().pools().update("desktops", new Pool.Change(null, null, "rdp", null), ADMIN);
    store().pools().update("desktops", new Pool.Change(null, null, null, null, Pool.Change.NEVER, null), ADMIN);
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
