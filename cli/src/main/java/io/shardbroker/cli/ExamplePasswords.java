package io.shardbroker.cli;

import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import java.util.Set;

/**
 * The passwords that shardbroker's example config files ({@code config/} in its source) give their
 * seed users. Anyone can read them, so a broker refuses at start a seed that gives a user one: a
 * copied example would otherwise open the admin API to everyone.
 *
 * <p>The list is kept here, not read from {@code config/} at run time (an installed broker has no
 * such directory); {@code ExamplePasswordsTest} reads every file of {@code config/} and fails when
 * one holds a password missing from it. The demo seeds through the harness, not a config file, and
 * is not checked.
 */
final class ExamplePasswords {

  static final Set<String> KNOWN = Set.of("change-me-now", "change-me-too");

  private ExamplePasswords() {}

  /**
   * Returns {@code seed} when none of its users has an example password.
   *
   * @throws IllegalArgumentException naming the first such user
   */
  static Seed refuseIn(Seed seed) {
    for (User.New user : seed.users()) {
      if (user.password() != null && KNOWN.contains(user.password().strip())) {
        throw new IllegalArgumentException("seed.users: the password of '" + user.name() + "' is '"
            + user.password().strip() + "', an example from shardbroker's config files that anyone can read. "
            + "Give every seed user a password of your own in the broker's config before the first start "
            + "(the seed creates each user once; later, change passwords with 'shardbroker admin users update')");
      }
    }
    return seed;
  }
}
