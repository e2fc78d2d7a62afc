package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** Pools in the {@code pools} table; each change and its audit entry share a transaction. */
final class JdbcPoolStore implements PoolStore {

  /** The columns {@link #read} expects, from {@code pools p}. */
  static final String COLUMNS = "p.name, p.display_name, p.kind, p.session_mode, p.protocol, p.enabled,"
      + " p.idle_logoff_after_s, p.disconnected_logoff_after_s";

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
    Duration idle = changedLimit(change.idleLogoffAfter(), "idleLogoffAfter");
    Duration disconnected = changedLimit(change.disconnectedLogoffAfter(), "disconnectedLogoffAfter");
    return db.transaction(c -> {
      Pool old = find(c, name, true).orElseThrow(() -> notFound(name));
      Pool updated = new Pool(old.name(),
          displayName == null ? old.displayName() : displayName,
          old.kind(),
          change.sessionMode() == null ? old.sessionMode() : change.sessionMode(),
          protocol == null ? old.protocol() : protocol,
          change.enabled() == null ? old.enabled() : change.enabled(),
          new Pool.LogoffPolicy(
              change.idleLogoffAfter() == null ? old.logoff().idleAfter() : idle,
              change.disconnectedLogoffAfter() == null ? old.logoff().disconnectedAfter() : disconnected));
      if (updated.equals(old)) {
        return old;
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE pools SET display_name = ?, session_mode = ?,"
          + " protocol = ?, enabled = ?, idle_logoff_after_s = ?, disconnected_logoff_after_s = ?"
          + " WHERE name = ?")) {
        ps.setString(1, updated.displayName());
        ps.setString(2, updated.sessionMode().name());
        ps.setString(3, updated.protocol());
        ps.setBoolean(4, updated.enabled());
        setSeconds(ps, 5, updated.logoff().idleAfter());
        setSeconds(ps, 6, updated.logoff().disconnectedAfter());
        ps.setString(7, old.name());
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
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO pools (name, display_name, kind, session_mode,"
        + " protocol, enabled, idle_logoff_after_s, disconnected_logoff_after_s, created_at)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, pool.name());
      ps.setString(2, pool.displayName());
      ps.setString(3, pool.kind().name());
      ps.setString(4, pool.sessionMode().name());
      ps.setString(5, pool.protocol());
      ps.setBoolean(6, pool.enabled());
      setSeconds(ps, 7, pool.logoff().idleAfter());
      setSeconds(ps, 8, pool.logoff().disconnectedAfter());
      Database.setInstant(ps, 9, db.now());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e)) {
        throw new StoreException(Reason.CONFLICT, "name",
            "a pool named " + Inputs.quote(pool.name()) + " exists already");
      }
      throw e;
    }
    audit.append(c, by, "pool.create", pool.name(), String.format(
        "%s, %s sessions, protocol %s, %s, display name %s, idle logoff %s, disconnected logoff %s",
        lower(pool.kind()), lower(pool.sessionMode()), pool.protocol(), pool.enabled() ? "enabled" : "disabled",
        Audit.quoted(pool.displayName()), limit(pool.logoff().idleAfter()),
        limit(pool.logoff().disconnectedAfter())));
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
    Pool.LogoffPolicy logoff = new Pool.LogoffPolicy(
        Inputs.logoffLimit(pool.logoff().idleAfter(), "idleLogoffAfter"),
        Inputs.logoffLimit(pool.logoff().disconnectedAfter(), "disconnectedLogoffAfter"));
    return new Pool(name, displayName == null ? name : displayName, pool.kind(),
        pool.sessionMode(), protocol, pool.enabled(), logoff);
  }

  /** A change's limit: null (unchanged) and {@link Pool.Change#NEVER} pass, others are checked. */
  private static Duration changedLimit(Duration value, String field) {
    return value == null || value.equals(Pool.Change.NEVER) ? null : Inputs.logoffLimit(value, field);
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
            Pool.SessionMode.valueOf(rs.getString(4)), rs.getString(5), rs.getBoolean(6),
            new Pool.LogoffPolicy(seconds(rs, 7), seconds(rs, 8))));
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
    if (!Objects.equals(old.logoff().idleAfter(), updated.logoff().idleAfter())) {
      parts.add("idle logoff " + limit(old.logoff().idleAfter()) + " -> " + limit(updated.logoff().idleAfter()));
    }
    if (!Objects.equals(old.logoff().disconnectedAfter(), updated.logoff().disconnectedAfter())) {
      parts.add("disconnected logoff " + limit(old.logoff().disconnectedAfter())
          + " -> " + limit(updated.logoff().disconnectedAfter()));
    }
    return String.join(", ", parts);
  }

  /** A limit for people: {@code never}, {@code 45s}, {@code 30m}, {@code 1h30m}, {@code 2d}. */
  private static String limit(Duration limit) {
    if (limit == null) {
      return "never";
    }
    StringBuilder text = new StringBuilder();
    long days = limit.toDays();
    if (days > 0) {
      text.append(days).append('d');
    }
    if (limit.toHoursPart() > 0) {
      text.append(limit.toHoursPart()).append('h');
    }
    if (limit.toMinutesPart() > 0) {
      text.append(limit.toMinutesPart()).append('m');
    }
    if (limit.toSecondsPart() > 0) {
      text.append(limit.toSecondsPart()).append('s');
    }
    return text.toString();
  }

  /** Stores a limit as whole seconds; null (never) as NULL. */
  private static void setSeconds(PreparedStatement ps, int index, Duration limit) throws SQLException {
    if (limit == null) {
      ps.setNull(index, Types.INTEGER);
    } else {
      ps.setInt(index, Math.toIntExact(limit.toSeconds()));
    }
  }

  private static Duration seconds(ResultSet rs, int column) throws SQLException {
    int seconds = rs.getInt(column);
    return rs.wasNull() ? null : Duration.ofSeconds(seconds);
  }

  static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
