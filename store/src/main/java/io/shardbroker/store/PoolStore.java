package io.shardbroker.store;

import java.util.List;
import java.util.Optional;

/** Pools. Every change is written to the audit log in the same transaction. */
public interface PoolStore {

  /** All pools, by name. */
  List<Pool> list();

  Optional<Pool> find(String name);

  /** @throws StoreException INVALID (field named), CONFLICT when the name is taken */
  Pool create(Pool pool, Actor by);

  /** @throws StoreException NOT_FOUND, INVALID */
  Pool update(String name, Pool.Change change, Actor by);

  /** Deletes the pool with its entitlements and assignments. @throws StoreException NOT_FOUND */
  void delete(String name, Actor by);
}
