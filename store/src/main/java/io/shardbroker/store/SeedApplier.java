package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a {@link Seed}: each group, pool, user and entitlement it names is applied once in the
 * store's life. The first time a seed names an item, the item is created when the store lacks it
 * (audited as a normal creation by the given actor) and recorded in {@code seed_applied} either
 * way; an item recorded there is skipped for good. So what exists is left exactly as it is, and
 * what an admin deleted stays deleted across every restart, while an item added to the seed later
 * is still created. All in one transaction.
 *
 * <p>Brokers sharing a database may apply the same seed at once: the loser of an insert race
 * retries, and then finds everything recorded.
 */
final class SeedApplier {
  private static final int ATTEMPTS = 3;

  private final Database db;
  private final JdbcPoolStore pools;
  private final JdbcAccountStore accounts;
  private final JdbcEntitlementStore entitlements;
  private final PasswordHasher hasher;

  SeedApplier(Database db, JdbcPoolStore pools, JdbcAccountStore accounts,
      JdbcEntitlementStore entitlements, PasswordHasher hasher) {
    this.db = db;
    this.pools = pools;
    this.accounts = accounts;
    this.entitlements = entitlements;
    this.hasher = hasher;
  }

  int apply(Seed seed, Actor by) {
    Inputs.required(seed, "seed");
    Inputs.actor(by);
    // Everything is checked before anything is written: a bad seed changes nothing.
    List<Pool> seedPools = new ArrayList<>();
    for (Pool pool : orEmpty(seed.pools())) {
      seedPools.add(JdbcPoolStore.validate(pool));
    }
    List<Group> seedGroups = new ArrayList<>();
    for (Group group : orEmpty(seed.groups())) {
      Inputs.required(group, "groups");
      seedGroups.add(new Group(Inputs.groupName(group.name(), "name"),
          Inputs.text(group.description(), "description"), List.of()));
    }
    List<User.New> seedUsers = new ArrayList<>();
    for (User.New user : orEmpty(seed.users())) {
      seedUsers.add(JdbcAccountStore.validate(user));
    }
    List<Entitlement> seedEntitlements = new ArrayList<>();
    for (Seed.SeedEntitlement e : orEmpty(seed.entitlements())) {
      seedEntitlements.add(principalOf(e));
    }

    for (int attempt = 1; ; attempt++) {
      try {
        return db.transaction(c -> applyOnce(c, seedPools, seedGroups, seedUsers, seedEntitlements, by));
      } catch (StoreException e) {
        if (e.kind() != Reason.CONFLICT || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private int applyOnce(Connection c, List<Pool> seedPools, List<Group> seedGroups,
      List<User.New> seedUsers, List<Entitlement> seedEntitlements, Actor by) throws SQLException {
    int created = 0;
    for (Group group : seedGroups) {
      if (firstTime(c, "group", group.name()) && !JdbcAccountStore.groupExists(c, group.name())) {
        accounts.insertGroup(c, group.name(), group.description(), by);
        created++;
      }
    }
    for (Pool pool : seedPools) {
      if (firstTime(c, "pool", pool.name()) && JdbcPoolStore.find(c, pool.name(), false).isEmpty()) {
        pools.insert(c, pool, by);
        created++;
      }
    }
    for (User.New user : seedUsers) {
      if (firstTime(c, "user", user.name()) && !JdbcAccountStore.userExists(c, user.name())) {
        accounts.insertUser(c, user, hasher.hash(user.password()), by);
        created++;
      }
    }
    for (Entitlement e : seedEntitlements) {
      String key = e.pool() + " " + (e.principal().kind() == Entitlement.Principal.Kind.USER ? "user:" : "group:") + e.principal().name();
      if (firstTime(c, "entitlement", key) && !JdbcEntitlementStore.exists(c, e.pool(), e.principal())) {
        entitlements.insert(c, e.pool(), e.principal(), by);
        created++;
      }
    }
    return created;
  }

  /**
   * True when no seed applied this item before; then records that one has (the caller creates it
   * if missing). A broker recording the same item at the same time makes this transaction fail
   * with CONFLICT, and {@link #apply} tries again.
   */
  private boolean firstTime(Connection c, String kind, String name) throws SQLException {
    if (JdbcAccountStore.exists(c, "SELECT 1 FROM seed_applied WHERE kind = ? AND name = ?", kind, name)) {
      return false;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO seed_applied (kind, name, applied_at) VALUES (?, ?, ?)")) {
      ps.setString(1, kind);
      ps.setString(2, name);
      Database.setInstant(ps, 3, db.now());
      ps.executeUpdate();
    }
    return true;
  }

  /** The entitlement a seed line asks for (id and time unset). */
  private static Entitlement principalOf(Seed.SeedEntitlement e) {
    Inputs.required(e, "entitlements");
    Inputs.poolName(e.pool(), "pool");
    if ((e.user() == null) == (e.group() == null)) {
      throw Inputs.invalid("entitlements", "a seed entitlement names a user or a group (one of them) for pool "
          + Inputs.quote(e.pool()));
    }
    Entitlement.Principal principal = e.user() != null
        ? Entitlement.Principal.user(e.user()) : Entitlement.Principal.group(e.group());
    return new Entitlement(0, e.pool(), JdbcEntitlementStore.validate(principal), null);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
