package io.shardbroker.store;

import static io.shardbroker.store.TestData.PASSWORD;
import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Users, groups and memberships; passwords; each change audited, never with a password. */
interface AccountContract extends StoreFixture {

  @Test
  default void usersAreCreatedReadUpdatedAndDeletedWithAnAuditEntryEach() {
    AccountStore accounts = store().accounts();
    accounts.createGroup("staff", "Everyone", ADMIN);
    accounts.createGroup(Group.ADMINS, null, ADMIN);
    User alice = accounts.createUser(
        new User.New("alice", "Alice Liddell", PASSWORD, true, List.of("staff", Group.ADMINS, "staff")),
        new Actor("root", null));
    assertThat(alice.groups()).containsExactly(Group.ADMINS, "staff");
    assertThat(alice.createdAt()).isEqualTo(clock().instant());
    // Another admin, so that alice, the first, may be disabled and deleted (see LastAdminContract).
    accounts.createUser(user("bob", Group.ADMINS), ADMIN);

    assertThat(accounts.user("alice")).contains(alice);
    assertThat(accounts.users()).extracting(User::name).containsExactly("alice", "bob");
    assertThat(accounts.group("staff").orElseThrow().members()).containsExactly("alice");

    clock().advance(Duration.ofMinutes(1));
    User changed = accounts.updateUser("alice", new User.Change("Alice L.", "a new password", false), ADMIN);
    assertThat(changed).isEqualTo(new User("alice", "Alice L.", false, alice.groups(), alice.createdAt()));
    assertThat(accounts.user("alice")).contains(changed);

    accounts.deleteUser("alice", ADMIN);
    assertThat(accounts.user("alice")).isEmpty();
    assertThat(accounts.group("staff").orElseThrow().members()).isEmpty();

    assertThat(audit(store(), null, "user.", null))
        .extracting(AuditEntry::action, AuditEntry::target, AuditEntry::broker)
        .containsExactly(
            tuple("user.delete", "alice", "broker-1"),
            tuple("user.update", "alice", "broker-1"),
            tuple("user.create", "bob", "broker-1"),
            tuple("user.create", "alice", null));
    assertThat(audit(store(), null, "user.update", null).get(0).detail())
        .contains("'Alice Liddell' -> 'Alice L.'", "password changed", "disabled");
  }

  @Test
  default void aPasswordNeverReachesTheAuditLog() {
    AccountStore accounts = store().accounts();
    String first = "first-secret-8f2a";
    String second = "second-secret-77c1";
    accounts.createUser(new User.New("carol", null, first, true, List.of()), ADMIN);
    accounts.updateUser("carol", new User.Change(null, second, null), ADMIN);
    store().apply(new Seed(List.of(), List.of(),
        List.of(new User.New("dave", null, "third-secret-0b3e", true, List.of())), List.of()), ADMIN);

    assertThat(audit(store())).hasSize(3).allSatisfy(entry -> assertThat(entry.toString())
        .doesNotContain(first, second, "third-secret-0b3e", "argon2"));
  }

  @Test
  default void verifyAcceptsTheRightPasswordOfAnEnabledUserOnly() {
    AccountStore accounts = store().accounts();
    accounts.createUser(user("alice"), ADMIN);

    assertThat(accounts.verify("alice", PASSWORD)).map(User::name).contains("alice");
    assertThat(accounts.verify("alice", PASSWORD + "x")).isEmpty();
    assertThat(accounts.verify("alice", "")).isEmpty();
    assertThat(accounts.verify("alice", null)).isEmpty();
    assertThat(accounts.verify("Alice", PASSWORD)).isEmpty();
    assertThat(accounts.verify("nobody", PASSWORD)).isEmpty();
    assertThat(accounts.verify(null, PASSWORD)).isEmpty();

    accounts.updateUser("alice", new User.Change(null, null, false), ADMIN);
    assertThat(accounts.verify("alice", PASSWORD)).isEmpty();

    accounts.updateUser("alice", new User.Change(null, "brand new password", true), ADMIN);
    assertThat(accounts.verify("alice", PASSWORD)).isEmpty();
    assertThat(accounts.verify("alice", "brand new password")).isPresent();
  }

  @Test
  default void hashesOfAnotherCostStillVerifySoRaisingTheCostLocksNobodyOut() {
    store().accounts().createUser(user("alice"), ADMIN);
    Store stronger = open(settings().withPasswordHashing(PasswordHashing.DEFAULT));
    stronger.accounts().createUser(user("bob"), ADMIN);

    assertThat(stronger.accounts().verify("alice", PASSWORD)).isPresent();
    assertThat(stronger.accounts().verify("bob", PASSWORD)).isPresent();
    assertThat(stronger.accounts().verify("bob", "wrong password")).isEmpty();
    assertThat(store().accounts().verify("bob", PASSWORD)).isPresent();
  }

  @Test
  default void passwordsAre8To1024Characters() {
    AccountStore accounts = store().accounts();
    assertFails(Reason.BAD_REQUEST, "password", () -> accounts.createUser(new User.New("a", null, "7 chars", true, List.of()), ADMIN));
    assertFails(Reason.BAD_REQUEST, "password", () -> accounts.createUser(new User.New("a", null, null, true, List.of()), ADMIN));
    assertFails(Reason.BAD_REQUEST, "password", () -> accounts.createUser(
        new User.New("a", null, "x".repeat(1025), true, List.of()), ADMIN));
    accounts.createUser(new User.New("a", null, "8 chars!", true, List.of()), ADMIN);
    accounts.createUser(new User.New("b", null, "x".repeat(1024), true, List.of()), ADMIN);
    assertThat(accounts.verify("b", "x".repeat(1024))).isPresent();
    assertFails(Reason.BAD_REQUEST, "password", () -> accounts.updateUser("a", new User.Change(null, "short", null), ADMIN));

    StoreException e = TestData.failure(() -> accounts.createUser(
        new User.New("c", null, "sekrit", true, List.of()), ADMIN));
    assertThat(e.getMessage()).doesNotContain("sekrit");
  }

  @Test
  default void badUserAndGroupNamesAreRefusedNamingTheField() {
    AccountStore accounts = store().accounts();
    for (String name : new String[] {"", " ", "a:b", " lead", "trail ", "tab\tin", "new\nline", "nul\0",
        "x".repeat(129), "\uD800lone"}) {
      assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createUser(user(name), ADMIN));
    }
    assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createUser(user(null), ADMIN));
    for (String name : new String[] {"", "  ", " lead", "bell\u0007", "x".repeat(129)}) {
      assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createGroup(name, null, ADMIN));
    }
    assertFails(Reason.BAD_REQUEST, "displayName", () -> accounts.createUser(
        new User.New("alice", "esc\u001b", PASSWORD, true, List.of()), ADMIN));
    assertFails(Reason.BAD_REQUEST, "description", () -> accounts.createGroup("g", "x".repeat(257), ADMIN));
    assertFails(Reason.BAD_REQUEST, "groups", () -> accounts.createUser(user("alice", " staff"), ADMIN));

    assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createGroup("a:b", null, ADMIN));
    String longest = "\u0436".repeat(PrincipalNames.MAX);  // two UTF-8 bytes each
    accounts.createUser(user(longest), ADMIN);
    assertThat(accounts.user(longest)).isPresent();
    assertThat(accounts.users()).extracting(User::name).containsExactly(longest);
  }

  @Test
  default void spoofingAndPathNamesAreRefusedForUsersAndGroups() {
    AccountStore accounts = store().accounts();
    for (String name : new String[] {"\u0430lice", "ali\u202Ece", "\u2066alice\u2069", "al\u200Eice",
        "ali\u200Bce", "\uFF41\uFF4C\uFF49\uFF43\uFF45", "a/b", "a\\b", "..", "a..b", ".hidden", "-rf",
        "a b", "x".repeat(PrincipalNames.MAX + 1)}) {
      assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createUser(user(name), ADMIN));
      assertFails(Reason.BAD_REQUEST, "name", () -> accounts.createGroup(name, null, ADMIN));
    }
    assertThat(accounts.users()).isEmpty();
    for (String name : new String[] {"alice", "user001", "v0001", "bench", "desktop-00001", "root", "first.last",
        "a_b", "Jos\u00E9", "\u0418\u0432\u0430\u043D2"}) {
      accounts.createUser(user(name), ADMIN);
      accounts.createGroup(name + "-0", null, ADMIN);
    }
  }

  @Test
  default void takenNamesConflictAndUnknownNamesAreNotFound() {
    AccountStore accounts = store().accounts();
    accounts.createGroup("staff", null, ADMIN);
    accounts.createUser(user("alice"), ADMIN);
    assertFails(Reason.CONFLICT, "name", () -> accounts.createUser(user("alice"), ADMIN));
    assertFails(Reason.CONFLICT, "name", () -> accounts.createGroup("staff", null, ADMIN));

    assertFails(Reason.NOT_FOUND, "group", () -> accounts.createUser(user("bob", "staff", "ghosts"), ADMIN));
    assertThat(accounts.user("bob")).isEmpty();
    assertThat(accounts.group("staff").orElseThrow().members()).isEmpty();

    assertFails(Reason.NOT_FOUND, "user", () -> accounts.updateUser("bob", new User.Change("B", null, null), ADMIN));
    assertFails(Reason.NOT_FOUND, "user", () -> accounts.deleteUser("bob", ADMIN));
    assertFails(Reason.NOT_FOUND, "group", () -> accounts.deleteGroup("ghosts", ADMIN));
    assertFails(Reason.NOT_FOUND, "group", () -> accounts.addMember("ghosts", "alice", ADMIN));
    assertFails(Reason.NOT_FOUND, "user", () -> accounts.addMember("staff", "bob", ADMIN));
    assertFails(Reason.NOT_FOUND, "user", () -> accounts.removeMember("staff", "alice", ADMIN));
    assertThat(audit(store())).extracting(AuditEntry::action).containsExactly("user.create", "group.create");
  }

  @Test
  default void groupsAndMembershipsAreAudited() {
    AccountStore accounts = store().accounts();
    accounts.createUser(user("alice"), ADMIN);
    Group staff = accounts.createGroup("staff", "Everyone", ADMIN);
    assertThat(staff).isEqualTo(new Group("staff", "Everyone", List.of()));
    assertThat(accounts.createGroup("empty", null, ADMIN).description()).isEmpty();

    accounts.addMember("staff", "alice", ADMIN);
    accounts.addMember("staff", "alice", ADMIN);
    assertThat(accounts.group("staff").orElseThrow().members()).containsExactly("alice");
    assertThat(accounts.user("alice").orElseThrow().groups()).containsExactly("staff");
    assertThat(accounts.groups()).extracting(Group::name).containsExactly("empty", "staff");

    accounts.removeMember("staff", "alice", ADMIN);
    assertThat(accounts.user("alice").orElseThrow().groups()).isEmpty();
    accounts.deleteGroup("staff", ADMIN);
    assertThat(accounts.group("staff")).isEmpty();

    assertThat(audit(store(), null, "group.", null))
        .extracting(AuditEntry::action, AuditEntry::target)
        .containsExactly(
            tuple("group.delete", "staff"),
            tuple("group.member.remove", "staff"),
            tuple("group.member.add", "staff"),
            tuple("group.create", "empty"),
            tuple("group.create", "staff"));
    assertThat(audit(store(), null, "group.member.add", null).get(0).detail()).contains("alice");
  }

  @Test
  default void deletingAUserOrGroupDeletesWhatRefersToIt() {
    store().pools().create(dedicated("cad"), ADMIN);
    store().accounts().createGroup("staff", null, ADMIN);
    store().accounts().createUser(user("alice", "staff"), ADMIN);
    store().entitlements().create("cad", Entitlement.Principal.user("alice"), ADMIN);
    store().entitlements().create("cad", Entitlement.Principal.group("staff"), ADMIN);
    store().assignments().assign("cad", "alice", "vm-1", ADMIN);

    store().accounts().deleteGroup("staff", ADMIN);
    assertThat(store().entitlements().list(null, null, null))
        .extracting(e -> e.principal().name()).containsExactly("alice");
    assertThat(store().accounts().user("alice").orElseThrow().groups()).isEmpty();

    store().accounts().deleteUser("alice", ADMIN);
    assertThat(store().entitlements().list(null, null, null)).isEmpty();
    assertThat(store().assignments().list(null, null)).isEmpty();
  }
}
