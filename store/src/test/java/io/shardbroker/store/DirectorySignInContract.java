package io.shardbroker.store;

import static io.shardbroker.store.TestData.PASSWORD;
import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.failure;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import io.shardbroker.testing.FakeClock;
import java.nio.file.Path;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-in through an LDAP directory (a real one in this JVM, {@link TestDirectory}) into a store:
 * directory users are kept in the store with the directory's groups that the store has, so
 * entitlements work for them; local users come first. Written once, bound to each database by a
 * one-line subclass.
 */
@Timeout(120)
abstract class DirectorySignInContract {
  static final Actor ADMIN = new Actor("root", "broker-1");
  static final Actor PROVISIONER = new Actor("directory", "broker-1");
  static final String DIRECTORY_PASSWORD = "alice's directory password";
  static final Duration PAST_REMEMBER = Authenticator.REMEMBER.plusSeconds(1);

  @TempDir
  Path tempDir;

  final FakeClock clock = new FakeClock();
  final TestDirectory directory = new TestDirectory();
  final String alice = directory.addUser("alice", "Alice Liddell", DIRECTORY_PASSWORD);
  StoreSettings settings;
  Store store;
  AccountStore accounts;
  Authenticator authenticator;

  /** The JDBC URL of a new, empty database. */
  abstract String newDatabase(Path tempDir);

  @BeforeEach
  final void openStore() {
    settings = new StoreSettings(newDatabase(tempDir), null, null, 8, Duration.ofMillis(20),
        PasswordHashing.FAST, StoreSettings.MIGRATIONS);
    store = Store.open(settings, clock);
    accounts = store.accounts();
    authenticator = new Authenticator(accounts, new LdapDirectory(directory.settings()), PROVISIONER, clock);
  }

  @AfterEach
  final void close() {
    directory.close();
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aDirectoryUserIsKeptInTheStoreWithThoseOfTheirGroupsThatTheStoreHas() {
    accounts.createGroup("staff", null, ADMIN);
    accounts.createGroup("unrelated", null, ADMIN);
    directory.addGroup("staff", alice);
    directory.addGroup("engineering", alice);

    User signedIn = authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();

    assertThat(signedIn).isEqualTo(new User("alice", "Alice Liddell", true, List.of("staff"), clock.instant()));
    assertThat(accounts.user("alice")).contains(signedIn);
    assertThat(accounts.group("engineering")).isEmpty();
    assertThat(accounts.hasLocalPassword("alice")).isFalse();
    assertThat(audit(store, null, "user.", null))
        .extracting(AuditEntry::actor, AuditEntry::broker, AuditEntry::action, AuditEntry::target)
        .containsExactly(tuple("directory", "broker-1", "user.create", "alice"));
  }

  @Test
  void aStoreGroupEntitlesDirectoryUsers() {
    store.pools().create(floating("desk"), ADMIN);
    accounts.createGroup("staff", null, ADMIN);
    store.entitlements().create("desk", Entitlement.Principal.group("staff"), ADMIN);
    directory.addGroup("staff", alice);

    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();

    assertThat(store.entitlements().poolsOf("alice")).extracting(Pool::name).containsExactly("desk");
    assertThat(store.entitlements().entitledPool("alice", "desk")).isPresent();
  }

  @Test
  void membershipsAndTheDisplayNameFollowTheDirectoryAtTheNextSignInThatAsksIt() {
    store.pools().create(floating("desk"), ADMIN);
    accounts.createGroup("staff", null, ADMIN);
    accounts.createGroup("engineering", null, ADMIN);
    store.entitlements().create("desk", Entitlement.Principal.group("staff"), ADMIN);
    directory.addGroup("staff", alice);
    directory.addGroup("engineering");
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();

    directory.setMembers("staff");
    directory.setMembers("engineering", alice);
    directory.setDisplayName(alice, "Alice Hargreaves");
    // Remembered: the directory is not asked again yet.
    clock.advance(Authenticator.REMEMBER.minusSeconds(1));
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly("staff");

    clock.advance(Duration.ofSeconds(2));
    User now = authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    assertThat(now.groups()).containsExactly("engineering");
    assertThat(now.displayName()).isEqualTo("Alice Hargreaves");
    assertThat(accounts.group("staff").orElseThrow().members()).isEmpty();
    assertThat(store.entitlements().poolsOf("alice")).isEmpty();
    assertThat(audit(store, null, "user.sync", "alice")).singleElement().satisfies(entry -> {
      assertThat(entry.actor()).isEqualTo("directory");
      assertThat(entry.detail()).isEqualTo("from the directory:"
          + " display name 'Alice Liddell' -> 'Alice Hargreaves', joined [engineering], left [staff]");
    });

    // Nothing changed: nothing audited.
    int audited = audit(store).size();
    clock.advance(PAST_REMEMBER);
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).contains(now);
    assertThat(audit(store)).hasSize(audited);
    assertThat(directory.binds()).hasSize(3);
  }

  @Test
  void aGroupTheDirectoryTookAwayEndsTheUsersEarlierTokens() {
    accounts.createGroup("staff", null, ADMIN);
    directory.addGroup("staff", alice);
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    Instant firstSignIn = clock.instant();
    assertThat(accounts.tokensValidAfter("alice")).contains(firstSignIn);

    clock.advance(PAST_REMEMBER);
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    assertThat(accounts.tokensValidAfter("alice")).as("nothing changed").contains(firstSignIn);

    directory.setMembers("staff");
    clock.advance(PAST_REMEMBER);
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    assertThat(accounts.tokensValidAfter("alice")).contains(clock.instant());
  }

  @Test
  void signInsWithinRememberDoNotAskTheDirectoryWhichWhenDownIsUnavailableNotAWrongPassword() {
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    directory.stop();

    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).isPresent();
    assertThat(directory.binds()).hasSize(1);

    assertThat(failure(() -> authenticator.authenticate("alice", "wrong password")).kind())
        .isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
    clock.advance(PAST_REMEMBER);
    assertThat(failure(() -> authenticator.authenticate("alice", DIRECTORY_PASSWORD)).kind())
        .isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
  }

  @Test
  void wrongEmptyAndUnknownAreRefusedAndKeepNobody() {
    directory.addUser("a*)(uid=*", "Star", "star password");

    assertThat(authenticator.authenticate("alice", "wrong password")).isEmpty();
    assertThat(authenticator.authenticate("alice", "")).isEmpty();
    assertThat(authenticator.authenticate("bob", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(authenticator.authenticate("*", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(authenticator.authenticate("a*)(uid=*", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(authenticator.authenticate("x,ou=admins", DIRECTORY_PASSWORD)).isEmpty();

    assertThat(authenticator.authenticate("a*)(uid=*", "star password")).isEmpty();  // not a name the store takes

    assertThat(accounts.users()).isEmpty();
    assertThat(audit(store)).isEmpty();
  }

  @Test
  void aDirectoryUserWhoseNameSpoofsAnotherIsRefusedAtSignInAndNotKept() {
    accounts.createGroup("staff", null, ADMIN);
    String cyrillic = directory.addUser("\u0430lice", "Not Alice", "spoof password");
    String bidi = directory.addUser("ali\u202Ece", "Reversed", "bidi password");
    directory.addGroup("staff", cyrillic, bidi);

    assertThat(authenticator.authenticate("\u0430lice", "spoof password")).isEmpty();
    assertThat(authenticator.authenticate("ali\u202Ece", "bidi password")).isEmpty();

    assertThat(accounts.users()).isEmpty();
    assertThat(audit(store, null, "user.", null)).isEmpty();
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).map(User::name).contains("alice");
  }

  @Test
  void aLocalUserOfTheSameNameKeepsTheirPasswordAndTheDirectoryIsNotAsked() {
    accounts.createGroup("staff", null, ADMIN);
    accounts.createUser(user("alice"), ADMIN);
    directory.addGroup("staff", alice);

    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(authenticator.authenticate("alice", PASSWORD)).map(User::groups).contains(List.of());
    assertThat(directory.binds()).isEmpty();

    // The directory takes "ALICE" for alice; the store does not let that reach its local alice.
    assertThat(authenticator.authenticate("ALICE", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(accounts.users()).extracting(User::name).containsExactly("alice");
    assertThat(accounts.user("alice").orElseThrow().groups()).isEmpty();
    assertFails(Reason.CONFLICT, "name", () -> accounts.syncDirectoryUser(
        new DirectoryUser("alice", "Alice", List.of("staff")), PROVISIONER));
  }

  @Test
  void theStoreNeverChecksADirectoryUsersPasswordUntilAnAdminSetsOne() {
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();

    assertThat(accounts.verify("alice", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(accounts.verify("alice", PasswordHasher.DIRECTORY_USER)).isEmpty();
    assertThat(accounts.verify("alice", "")).isEmpty();

    accounts.updateUser("alice", new User.Change(null, PASSWORD, null), ADMIN);
    authenticator.forget("alice");
    assertThat(accounts.hasLocalPassword("alice")).isTrue();
    assertThat(authenticator.authenticate("alice", PASSWORD)).isPresent();
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(directory.binds()).hasSize(1);
  }

  @Test
  void aDirectoryUserDisabledHereStaysOutAndDisabled() {
    authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow();
    accounts.updateUser("alice", new User.Change(null, null, false), ADMIN);
    authenticator.forget("alice");

    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD)).isEmpty();
    assertThat(accounts.user("alice").orElseThrow().enabled()).isFalse();
  }

  @Test
  void aDirectoryGroupNamedAdminsMakesNoAdminOnlyAMappedGroupDoes() {
    accounts.createGroup(Group.ADMINS, null, ADMIN);
    accounts.createGroup("staff", null, ADMIN);
    String bob = directory.addUser("bob", "Bob", "bob's directory password");
    String carol = directory.addUser("carol", "Carol", "carol's directory password");
    // Anyone who may create a group in the directory could make one named "admins".
    directory.addGroup(Group.ADMINS, alice);
    directory.addGroup("staff", alice);
    directory.addGroup("vdi-admins", bob);
    directory.addGroup("helpdesk", carol);
    authenticator = new Authenticator(accounts, new LdapDirectory(directory.settings()
        .withAdminGroups(List.of(TestDirectory.groupDn("vdi-admins"), "HelpDesk"))), PROVISIONER, clock);

    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly("staff");
    assertThat(authenticator.authenticate("bob", "bob's directory password").orElseThrow().groups())
        .containsExactly(Group.ADMINS);
    assertThat(authenticator.authenticate("carol", "carol's directory password").orElseThrow().groups())
        .containsExactly(Group.ADMINS);
    assertThat(accounts.group(Group.ADMINS).orElseThrow().members()).containsExactlyInAnyOrder("bob", "carol");

    // Nor does a sync that names the group: only the mapping, carried as DirectoryUser.admin, does.
    assertThat(accounts.syncDirectoryUser(new DirectoryUser("dora", "Dora", List.of(Group.ADMINS, "Admins", "staff")),
        PROVISIONER).groups()).containsExactly("staff");
  }

  @Test
  void theLastEnabledAdminStaysAnAdminWhenTheDirectoryDropsThem() {
    accounts.createGroup(Group.ADMINS, null, ADMIN);
    accounts.createGroup("staff", null, ADMIN);
    directory.addGroup("vdi-admins", alice);
    directory.addGroup("staff");
    authenticator = new Authenticator(accounts, new LdapDirectory(directory.settings()
        .withAdminGroups(List.of(TestDirectory.groupDn("vdi-admins")))), PROVISIONER, clock);
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly(Group.ADMINS);

    directory.setMembers("vdi-admins");
    clock.advance(PAST_REMEMBER);
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly(Group.ADMINS);
    assertThat(audit(store, null, "user.sync", null)).isEmpty();

    directory.setMembers("staff", alice);
    clock.advance(PAST_REMEMBER);
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly(Group.ADMINS, "staff");
    assertThat(audit(store, null, "user.sync", null)).singleElement().extracting(AuditEntry::detail)
        .isEqualTo("from the directory: joined [staff], kept in 'admins' as its last enabled member");

    accounts.createUser(user("root", Group.ADMINS), ADMIN);
    clock.advance(PAST_REMEMBER);
    assertThat(authenticator.authenticate("alice", DIRECTORY_PASSWORD).orElseThrow().groups())
        .containsExactly("staff");
  }

  @Test
  void syncTakesWhatTheStoreCanAndNoMore() {
    accounts.createGroup("staff", null, ADMIN);

    User synced = accounts.syncDirectoryUser(
        new DirectoryUser("bob", "Bob\u0007", List.of("staff", " staff", "x".repeat(200), "staff")), PROVISIONER);
    assertThat(synced.displayName()).isEqualTo("bob");
    assertThat(synced.groups()).containsExactly("staff");

    assertFails(Reason.BAD_REQUEST, "name", () -> accounts.syncDirectoryUser(
        new DirectoryUser("a:b", null, List.of()), PROVISIONER));
    assertFails(Reason.BAD_REQUEST, "name", () -> accounts.syncDirectoryUser(
        new DirectoryUser("\u0430lice", null, List.of()), PROVISIONER));
    assertFails(Reason.BAD_REQUEST, "actor", () -> accounts.syncDirectoryUser(
        new DirectoryUser("carol", null, List.of()), new Actor(null, null)));
    assertThat(accounts.users()).extracting(User::name).containsExactly("bob");
  }

  @Test
  void brokersSigningInANewDirectoryUserAtOnceKeepOneUser() throws Exception {
    accounts.createGroup("staff", null, ADMIN);
    Store other = Store.open(settings, clock);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Callable<User>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        AccountStore each = i % 2 == 0 ? accounts : other.accounts();
        calls.add(() -> {
          start.await(30, TimeUnit.SECONDS);
          return each.syncDirectoryUser(new DirectoryUser("dora", "Dora", List.of("staff")), PROVISIONER);
        });
      }
      List<Future<User>> results = new ArrayList<>();
      for (Callable<User> call : calls) {
        results.add(threads.submit(call));
      }
      start.countDown();
      for (Future<User> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS).groups()).containsExactly("staff");
      }
    } finally {
      threads.shutdownNow();
      other.close();
    }
    assertThat(audit(store, null, "user.", "dora")).extracting(AuditEntry::action).containsExactly("user.create");
  }
}
