package io.shardbroker.store;

import java.util.List;
import java.util.Optional;

/** Who may use which pool: users directly or through their groups. */
public interface EntitlementStore {

  /** Entitlements matching the filters (null matches any), by pool then principal. */
  List<Entitlement> list(String pool, String user, String group);

  /** @throws StoreException NOT_FOUND for an unknown pool, user or group; CONFLICT when it exists */
  Entitlement create(String pool, Entitlement.Principal principal, Actor by);

  /** @throws StoreException NOT_FOUND */
  void delete(long id, Actor by);

  /** The enabled pools an enabled user may use, by name; empty for an unknown or disabled user. */
  List<Pool> poolsOf(String user);

  /**
   * The pool, when it exists, is enabled, and the user exists, is enabled and is entitled to it
   * (directly or through a group); empty otherwise. One query: this is on the brokering path.
   */
  Optional<Pool> entitledPool(String user, String pool);
}
