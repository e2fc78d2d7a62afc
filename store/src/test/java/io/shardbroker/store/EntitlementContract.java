package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Entitlement.Principal;
import org.junit.jupiter.api.Test;

/** Who may use which pool, directly or through groups, honouring enabled flags. */
interface EntitlementContract extends StoreFixture {

  private void twoPoolsAliceInStaff() {
    store().pools().create(floating("desktops"), ADMIN);
    store().pools().create(dedicated("cad"), ADMIN);
    store().accounts().createGroup("staff", null, ADMIN);
    store().accounts().createUser(user("alice", "staff"), ADMIN);
    store().accounts().createUser(user("bob"), ADMIN);
  }

  @Test
  default void entitlementsAreCreatedListedAndDeletedWithAnAuditEntryEach() {
    twoPoolsAliceInStaff();
    EntitlementStore entitlements = store().entitlements();
    Entitlement direct = entitlements.create("cad", Principal.user("bob"), ADMIN);
    Entitlement viaGroup = entitlements.create("desktops", Principal.group("staff"), ADMIN);
    Entitlement bobDesktops = entitlements.create("desktops", Principal.user("bob"), ADMIN);
    assertThat(direct.id()).isNotEqualTo(viaGroup.id());
    assertThat(direct.createdAt()).isEqualTo(clock().instant());

    assertThat(entitlements.list(null, null, null)).containsExactly(direct, bobDesktops, viaGroup);
    assertThat(entitlements.list("desktops", null, null)).containsExactly(bobDesktops, viaGroup);
    assertThat(entitlements.list(null, "bob", null)).containsExactly(direct, bobDesktops);
    assertThat(entitlements.list(null, null, "staff")).containsExactly(viaGroup);
    assertThat(entitlements.list("cad", null, "staff")).isEmpty();

    entitlements.delete(direct.id(), ADMIN);
    assertThat(entitlements.list(null, "bob", null)).containsExactly(bobDesktops);
    assertFails(Reason.NOT_FOUND, "id", () -> entitlements.delete(direct.id(), ADMIN));

    assertThat(audit(store(), null, "entitlement.", null))
        .extracting(AuditEntry::action, AuditEntry::target)
        .containsExactly(
            tuple("entitlement.delete", "cad"),
            tuple("entitlement.create", "desktops"),
            tuple("entitlement.create", "desktops"),
            tuple("entitlement.create", "cad"));
    assertThat(audit(store(), null, "entitlement.delete", null).get(0).detail()).contains("bob");
  }

  @Test
  default void anEntitlementNeedsAnExistingPoolAndPrincipalAndIsMadeOnce() {
    twoPoolsAliceInStaff();
    EntitlementStore entitlements = store().entitlements();
    entitlements.create("cad", Principal.user("alice"), ADMIN);
    entitlements.create("cad", Principal.group("staff"), ADMIN);
    assertFails(Reason.CONFLICT, "principal", () -> entitlements.create("cad", Principal.user("alice"), ADMIN));
    assertFails(Reason.CONFLICT, "principal", () -> entitlements.create("cad", Principal.group("staff"), ADMIN));
    assertFails(Reason.NOT_FOUND, "pool", () -> entitlements.create("nope", Principal.user("alice"), ADMIN));
    assertFails(Reason.NOT_FOUND, "user", () -> entitlements.create("cad", Principal.user("nobody"), ADMIN));
    assertFails(Reason.NOT_FOUND, "group", () -> entitlements.create("cad", Principal.group("nobody"), ADMIN));
    assertFails(Reason.BAD_REQUEST, "principal", () -> entitlements.create("cad", null, ADMIN));
    assertFails(Reason.BAD_REQUEST, "user", () -> entitlements.create("cad", Principal.user("a:b"), ADMIN));
    assertThat(entitlements.list(null, null, null)).hasSize(2);
  }

  @Test
  default void usersAreEntitledDirectlyOrThroughTheirGroups() {
    twoPoolsAliceInStaff();
    EntitlementStore entitlements = store().entitlements();
    entitlements.create("desktops", Principal.group("staff"), ADMIN);
    entitlements.create("cad", Principal.user("bob"), ADMIN);

    assertThat(entitlements.entitledPool("alice", "desktops")).contains(floating("desktops"));
    assertThat(entitlements.entitledPool("alice", "cad")).isEmpty();
    assertThat(entitlements.entitledPool("bob", "cad")).contains(dedicated("cad"));
    assertThat(entitlements.entitledPool("bob", "desktops")).isEmpty();
    assertThat(entitlements.poolsOf("alice")).containsExactly(floating("desktops"));
    assertThat(entitlements.poolsOf("bob")).containsExactly(dedicated("cad"));

    entitlements.create("cad", Principal.user("alice"), ADMIN);
    assertThat(entitlements.poolsOf("alice")).extracting(Pool::name).containsExactly("cad", "desktops");

    store().accounts().removeMember("staff", "alice", ADMIN);
    assertThat(entitlements.poolsOf("alice")).extracting(Pool::name).containsExactly("cad");
    store().accounts().addMember("staff", "bob", ADMIN);
    assertThat(entitlements.poolsOf("bob")).extracting(Pool::name).containsExactly("cad", "desktops");
  }

  @Test
  default void disabledPoolsAndUsersAndUnknownNamesGetNothing() {
    twoPoolsAliceInStaff();
    EntitlementStore entitlements = store().entitlements();
    entitlements.create("desktops", Principal.group("staff"), ADMIN);
    entitlements.create("cad", Principal.user("alice"), ADMIN);

    store().pools().update("cad", new Pool.Change(null, null, null, false), ADMIN);
    assertThat(entitlements.entitledPool("alice", "cad")).isEmpty();
    assertThat(entitlements.poolsOf("alice")).extracting(Pool::name).containsExactly("desktops");

    store().accounts().updateUser("alice", new User.Change(null, null, false), ADMIN);
    assertThat(entitlements.entitledPool("alice", "desktops")).isEmpty();
    assertThat(entitlements.poolsOf("alice")).isEmpty();

    assertThat(entitlements.poolsOf("nobody")).isEmpty();
    assertThat(entitlements.entitledPool("nobody", "desktops")).isEmpty();
    assertThat(entitlements.entitledPool("bob", "nope")).isEmpty();
    assertThat(entitlements.poolsOf(null)).isEmpty();
  }
}
