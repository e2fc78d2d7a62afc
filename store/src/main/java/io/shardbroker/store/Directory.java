package io.shardbroker.store;

import java.util.Optional;

/**
 * Somewhere outside the store that checks passwords and says who is in which group, such as an
 * LDAP server ({@link LdapDirectory}). {@link Authenticator} asks it about names that have no
 * local password, and keeps the users it confirms in the store (see {@link
 * AccountStore#syncDirectoryUser}), so entitlements work the same for them as for local users.
 *
 * <p>Implementations are thread-safe.
 */
public interface Directory {

  /** The directory of a broker that has none: it knows nobody. */
  Directory NONE = (name, password) -> Optional.empty();

  /**
   * The user, when the directory knows {@code name} and {@code password} is theirs; empty for an
   * unknown name, a wrong password and an empty one. Slow (a round trip or more): cache the outcome.
   *
   * @throws StoreException {@link Reason#DIRECTORY_UNAVAILABLE} when the directory cannot give
   *     an answer (unreachable, too slow, misconfigured), so that an outage never looks like a
   *     wrong password
   */
  Optional<DirectoryUser> authenticate(String name, String password);
}
