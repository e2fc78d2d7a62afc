package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The instant before which a user's sign-in tokens are void: every change that should end their
 * sign-ins moves it to the time of the change, seen by every store on the database.
 */
interface TokenCutoffContract extends StoreFixture {

  /** Creates bob in staff (and an admin), lets time pass, applies {@code change}, and returns bob's cutoff. */
  private Instant cutoffAfter(Consumer<AccountStore> change) {
    AccountStore accounts = store().accounts();
    accounts.createGroup(Group.ADMINS, null, ADMIN);
    accounts.createGroup("staff", null, ADMIN);
    accounts.createUser(user("root", Group.ADMINS), ADMIN);
    accounts.createUser(user("bob", "staff"), ADMIN);
    assertThat(accounts.tokensValidAfter("bob")).contains(clock().instant());
    clock().advance(Duration.ofMinutes(1));
    change.accept(accounts);
    return open(settings()).accounts().tokensValidAfter("bob").orElse(null);
  }

  @Test
  default void aPasswordChangeVoidsEarlierTokens() {
    assertThat(cutoffAfter(a -> a.updateUser("bob", new User.Change(null, "a new password", null), ADMIN)))
        .isEqualTo(clock().instant());
  }

  @Test
  default void aDisabledUserHasNoGoodTokenAndReEnablingBringsNoneBack() {
    assertThat(cutoffAfter(a -> a.updateUser("bob", new User.Change(null, null, false), ADMIN))).isNull();
    Instant disabledAt = clock().instant();
    clock().advance(Duration.ofMinutes(1));
    store().accounts().updateUser("bob", new User.Change(null, null, true), ADMIN);
    assertThat(store().accounts().tokensValidAfter("bob")).contains(disabledAt);
  }

  @Test
  default void aRemovalFromAGroupVoidsEarlierTokens() {
    assertThat(cutoffAfter(a -> a.removeMember("staff", "bob", ADMIN))).isEqualTo(clock().instant());
  }

  @Test
  default void deletingAGroupVoidsItsMembersEarlierTokens() {
    assertThat(cutoffAfter(a -> a.deleteGroup("staff", ADMIN))).isEqualTo(clock().instant());
    assertThat(store().accounts().tokensValidAfter("root")).isPresent().isNotEqualTo(clock().instant());
  }

  @Test
  default void signOutEverywhereVoidsEarlierTokensAndIsAudited() {
    assertThat(cutoffAfter(a -> a.signOutEverywhere("bob", ADMIN))).isEqualTo(clock().instant());
    assertThat(audit(store(), null, "user.sign-out", "bob")).hasSize(1);
    assertFails(Reason.NOT_FOUND, "user", () -> store().accounts().signOutEverywhere("nobody", ADMIN));
  }

  @Test
  default void aDisplayNameChangeLeavesTokensAlone() {
    Instant created = clock().instant();
    assertThat(cutoffAfter(a -> a.updateUser("bob", new User.Change("Bob", null, null), ADMIN))).isEqualTo(created);
  }

  @Test
  default void aRecreatedUserDoesNotInheritTheTokensOfTheDeletedOne() {
    assertThat(cutoffAfter(a -> {
      a.deleteUser("bob", ADMIN);
      a.createUser(user("bob"), ADMIN);
    })).isEqualTo(clock().instant());
    assertThat(store().accounts().tokensValidAfter("nobody")).isEmpty();
  }
}
