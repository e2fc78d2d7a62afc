package io.shardbroker.store;

import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.failure;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** No change may leave the admin API without an enabled admin, once it had one. */
interface LastAdminContract extends StoreFixture {

  String REFUSAL = "at least one enabled member of 'admins' must remain; add another admin first";
  User.Change DISABLE = new User.Change(null, null, false);

  /** The admins group with the enabled admin root and whoever else is named. */
  private AccountStore withAdmins(String... others) {
    AccountStore accounts = store().accounts();
    accounts.createGroup(Group.ADMINS, null, ADMIN);
    accounts.createUser(user("root", Group.ADMINS), ADMIN);
    for (String other : others) {
      accounts.createUser(user(other, Group.ADMINS), ADMIN);
    }
    return accounts;
  }

  /** Asserts that {@code change} is refused and changed nothing: root is still an enabled admin. */
  private void assertRefused(ThrowingCallable change) {
    int audited = audit(store()).size();
    StoreException e = failure(change);
    assertThat(e.kind()).as(e.getMessage()).isEqualTo(Reason.CONFLICT);
    assertThat(e.getMessage()).isEqualTo(REFUSAL);
    assertThat(store().accounts().user("root")).hasValueSatisfying(root -> {
      assertThat(root.enabled()).isTrue();
      assertThat(root.groups()).contains(Group.ADMINS);
    });
    assertThat(audit(store())).hasSize(audited);
  }

  @Test
  default void theLastAdminCannotBeDeleted() {
    AccountStore accounts = withAdmins();
    assertRefused(() -> accounts.deleteUser("root", ADMIN));
  }

  @Test
  default void theLastAdminCannotBeDisabled() {
    AccountStore accounts = withAdmins();
    assertRefused(() -> accounts.updateUser("root", DISABLE, ADMIN));
    assertRefused(() -> accounts.updateUser("root", new User.Change("Root", "a new password", false), ADMIN));
    accounts.updateUser("root", new User.Change("Root", "a new password", true), ADMIN);
    assertThat(accounts.user("root").orElseThrow().displayName()).isEqualTo("Root");
  }

  @Test
  default void theLastAdminCannotLeaveTheAdmins() {
    AccountStore accounts = withAdmins();
    assertRefused(() -> accounts.removeMember(Group.ADMINS, "root", ADMIN));
  }

  @Test
  default void theAdminsGroupCannotBeDeletedWhileItHasAnEnabledMember() {
    AccountStore accounts = withAdmins("ann");
    accounts.updateUser("ann", DISABLE, ADMIN);
    assertRefused(() -> accounts.deleteGroup(Group.ADMINS, ADMIN));
  }

  @Test
  default void disabledAdminsDoNotCount() {
    AccountStore accounts = withAdmins("ann");
    accounts.updateUser("ann", DISABLE, ADMIN);
    assertRefused(() -> accounts.deleteUser("root", ADMIN));
    assertRefused(() -> accounts.updateUser("root", DISABLE, ADMIN));
    assertRefused(() -> accounts.removeMember(Group.ADMINS, "root", ADMIN));
  }

  @Test
  default void eachChangeIsAllowedWhileAnotherEnabledAdminRemains() {
    AccountStore accounts = withAdmins("ann", "bea", "cat");
    accounts.deleteUser("ann", ADMIN);
    accounts.updateUser("bea", DISABLE, ADMIN);
    accounts.removeMember(Group.ADMINS, "cat", ADMIN);
    assertThat(accounts.group(Group.ADMINS).orElseThrow().members()).containsExactly("bea", "root");

    accounts.createUser(user("dan", Group.ADMINS), ADMIN);
    accounts.updateUser("root", DISABLE, ADMIN);
    accounts.updateUser("root", new User.Change(null, null, true), ADMIN);
    accounts.deleteUser("dan", ADMIN);
    assertRefused(() -> accounts.deleteGroup(Group.ADMINS, ADMIN));
  }

  @Test
  default void withoutAnyAdminNothingIsRefused() {
    AccountStore accounts = store().accounts();
    accounts.createUser(user("alice"), ADMIN);
    accounts.updateUser("alice", DISABLE, ADMIN);
    accounts.deleteUser("alice", ADMIN);

    accounts.createGroup(Group.ADMINS, null, ADMIN);
    accounts.createUser(new User.New("off", null, TestData.PASSWORD, false, List.of(Group.ADMINS)), ADMIN);
    accounts.removeMember(Group.ADMINS, "off", ADMIN);
    accounts.addMember(Group.ADMINS, "off", ADMIN);
    accounts.deleteUser("off", ADMIN);
    accounts.deleteGroup(Group.ADMINS, ADMIN);
    assertThat(accounts.users()).isEmpty();
    assertThat(accounts.groups()).isEmpty();
  }

  @Test
  default void otherGroupsAndUsersAreNotGuarded() {
    AccountStore accounts = withAdmins();
    accounts.createGroup("staff", null, ADMIN);
    accounts.addMember("staff", "root", ADMIN);
    accounts.removeMember("staff", "root", ADMIN);
    accounts.deleteGroup("staff", ADMIN);
    accounts.createUser(user("alice"), ADMIN);
    accounts.updateUser("alice", DISABLE, ADMIN);
    accounts.deleteUser("alice", ADMIN);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void adminsRacingToDisableEachOtherLeaveOne() throws Exception {
    int admins = 8;
    String[] others = new String[admins - 1];
    for (int i = 0; i < others.length; i++) {
      others[i] = "admin" + i;
    }
    withAdmins(others);
    List<Store> brokers = List.of(store(), open(settings()), open(settings()), open(settings()));
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(admins);
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (int i = 0; i < admins; i++) {
        String name = i == 0 ? "root" : others[i - 1];
        AccountStore accounts = brokers.get(i % brokers.size()).accounts();
        Callable<Boolean> change = () -> {
          go.await();
          try {
            if (name.hashCode() % 2 == 0) {
              accounts.updateUser(name, DISABLE, ADMIN);
            } else {
              accounts.deleteUser(name, ADMIN);
            }
            return true;
          } catch (StoreException e) {
            assertThat(e.getMessage()).isEqualTo(REFUSAL);
            return false;
          }
        };
        futures.add(threads.submit(change));
      }
      go.countDown();
      int refused = 0;
      for (Future<Boolean> future : futures) {
        refused += future.get(30, TimeUnit.SECONDS) ? 0 : 1;
      }
      assertThat(refused).isEqualTo(1);
      assertThat(store().accounts().users()).filteredOn(User::enabled).hasSize(1)
          .allSatisfy(u -> assertThat(u.groups()).contains(Group.ADMINS));
    } finally {
      threads.shutdownNow();
    }
  }
}
