package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Pools in the {@code pools} table; each change and its audit entry share a transaction. */
final class JdbcPoolStore implements PoolStore {

  /** The columns {@link #read} expects, from {@code pools p}. */
  static final String COLUMNS = "p.name, p.display_name, p.kind, p.session_mode, p.protocol, p.enabled";

  private final Database db;
  private final Audit audit;

  JdbcPoolStore(Database db, Audit audit) {
    this.db = db;
    this.audit = audit;
  }

  @Override
  public List<Pool> list() {
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM pools p")) {
        return readAll(ps);
      }
    });
  }

  @Override
  public Optional<Pool> find(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> find(c, name, false));
  }

  @Override
  public Pool create(Pool pool, Actor by) {
    Pool valid = validate(pool);
    Inputs.actor(by);
    return db.transaction(c -> insert(c, valid, by));
  }

  @Override
  public Pool update(String name, Pool.Change change, Actor by) {
    Inputs.required(change, "change");
    Inputs.actor(by);
    String displayName = Inputs.text(change.displayName(), "displayName");
    String protocol = change.protocol() == null ? null : Inputs.protocol(change.protocol(), "protocol");
    return db.transaction(c -> {
      Pool old = find(c, name, true).orElseThrow(() -> notFound(name));
      Pool updated = new Pool(old.name(),
          displayName == null ? old.displayName() : displayName,
          old.kind(),
          change.sessionMode() == null ? old.sessionMode() : change.sessionMode(),
          protocol == null ? old.protocol() : protocol,
          change.enabled() == null ? old.enabled() : change.enabled());
      if (updated.equals(old)) {
        return old;
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE pools SET display_name = ?,"
          + " session_mode = ?, protocol = ?, enabled = ? WHERE name = ?")) {
        ps.setString(1, updated.displayName());
        ps.setString(2, updated.sessionMode().name());
        ps.setString(3, updated.protocol());
        ps.setBoolean(4, updated.enabled());
        ps.setString(5, old.name());
        ps.executeUpdate();
      }
      audit.append(c, by, "pool.update", old.name(), changes(old, updated));
      return updated;
    });
  }

  @Override
  public void delete(String name, Actor by) {
    Inputs.actor(by);
    if (name == null) {
      throw notFound(null);
    }
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM pools WHERE name = ?")) {
        ps.setString(1, name);
        if (ps.executeUpdate() == 0) {
          throw notFound(name);
        }
      }
      audit.append(c, by, "pool.delete", name, "deleted with its entitlements and assignments");
      return null;
    });
  }

  /** Inserts a validated pool and audits it; CONFLICT when the name is taken. */
  Pool insert(Connection c, Pool pool, Actor by) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO pools (name, display_name, kind,"
        + " session_mode, protocol, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, pool.name());
      ps.setString(2, pool.displayName());
      ps.setString(3, pool.kind().name());
      ps.setString(4, pool.sessionMode().name());
      ps.setString(5, pool.protocol());
      ps.setBoolean(6, pool.enabled());
      Database.setInstant(ps, 7, db.now());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e)) {
        throw new StoreException(Reason.CONFLICT, "name",
            "a pool named " + Inputs.quote(pool.name()) + " exists already");
      }
      throw e;
    }
    audit.append(c, by, "pool.create", pool.name(), String.format(
        "%s, %s sessions, protocol %s, %s, display name %s", lower(pool.kind()),
        lower(pool.sessionMode()), pool.protocol(), pool.enabled() ? "enabled" : "disabled",
        Audit.quoted(pool.displayName())));
    return pool;
  }

  /** The pool with its display name defaulted, or INVALID naming the first bad field. */
  static Pool validate(Pool pool) {
    Inputs.required(pool, "pool");
    String name = Inputs.poolName(pool.name(), "name");
    String displayName = Inputs.text(pool.displayName(), "displayName");
    Inputs.required(pool.kind(), "kind");
    Inputs.required(pool.sessionMode(), "sessionMode");
    String protocol = Inputs.protocol(pool.protocol(), "protocol");
    return new Pool(name, displayName == null ? name : displayName, pool.kind(),
        pool.sessionMode(), protocol, pool.enabled());
  }

  static Optional<Pool> find(Connection c, String name, boolean forUpdate) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM pools p WHERE p.name = ?"
        + (forUpdate ? " FOR UPDATE" : ""))) {
      ps.setString(1, name);
      return readAll(ps).stream().findFirst();
    }
  }

  /** The pools a statement selects with {@link #COLUMNS}, by name. */
  static List<Pool> readAll(PreparedStatement ps) throws SQLException {
    List<Pool> pools = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        pools.add(new Pool(rs.getString(1), rs.getString(2), Pool.Kind.valueOf(rs.getString(3)),
            Pool.SessionMode.valueOf(rs.getString(4)), rs.getString(5), rs.getBoolean(6)));
      }
    }
    pools.sort(Comparator.comparing(Pool::name));
    return pools;
  }

  static StoreException notFound(String name) {
    return new StoreException(Reason.NOT_FOUND, "pool",
        "no pool named " + (name == null ? "null" : Inputs.quote(name)));
  }

  private static String changes(Pool old, Pool updated) {
    List<String> parts = new ArrayList<>();
    if (!old.displayName().equals(updated.displayName())) {
      parts.add("display name " + Audit.quoted(old.displayName()) + " -> " + Audit.quoted(updated.displayName()));
    }
    if (old.sessionMode() != updated.sessionMode()) {
      parts.add("session mode " + lower(old.sessionMode()) + " -> " + lower(updated.sessionMode()));
    }
    if (!old.protocol().equals(updated.protocol())) {
      parts.add("protocol " + old.protocol() + " -> " + updated.protocol());
    }
    if (old.enabled() != updated.enabled()) {
      parts.add(updated.enabled() ? "enabled" : "disabled");
    }
    return String.join(", ", parts);
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
