package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Entitlements of users and groups to pools. The two questions brokers ask on every request,
 * {@link #entitledPool} and {@link #poolsOf}, are one query each over users, memberships,
 * entitlements and pools.
 */
final class JdbcEntitlementStore implements EntitlementStore {

  /**
   * The enabled pools an enabled user ({@code ?}) may use, directly or through a group; callers
   * add conditions on {@code p}.
   */
  private static final String ENTITLED_POOLS = "SELECT " + JdbcPoolStore.COLUMNS
      + " FROM pools p JOIN users u ON u.name = ? AND u.enabled = TRUE"
      + " WHERE p.enabled = TRUE AND EXISTS (SELECT 1 FROM entitlements e WHERE e.pool_name = p.name"
      + " AND (e.user_name = u.name OR e.group_name IN"
      + " (SELECT m.group_name FROM group_members m WHERE m.user_name = u.name)))";

  private static final Comparator<Entitlement> ORDER = Comparator.comparing(Entitlement::pool)
      .thenComparing(e -> e.principal().kind())
      .thenComparing(e -> e.principal().name());

  private final Database db;
  private final Audit audit;

  JdbcEntitlementStore(Database db, Audit audit) {
    this.db = db;
    this.audit = audit;
  }

  @Override
  public List<Entitlement> list(String pool, String user, String group) {
    Where where = new Where().equal("pool_name", pool).equal("user_name", user).equal("group_name", group);
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, pool_name, user_name, group_name, created_at FROM entitlements" + where.sql())) {
        where.bind(ps);
        List<Entitlement> result = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            result.add(read(rs));
          }
        }
        result.sort(ORDER);
        return result;
      }
    });
  }

  @Override
  public Entitlement create(String pool, Entitlement.Principal principal, Actor by) {
    Entitlement.Principal valid = validate(principal);
    Inputs.required(pool, "pool");
    Inputs.actor(by);
    return db.transaction(c -> insert(c, pool, valid, by));
  }

  @Override
  public void delete(long id, Actor by) {
    Inputs.actor(by);
    db.transaction(c -> {
      Entitlement old;
      try (PreparedStatement ps = c.prepareStatement("SELECT id, pool_name, user_name, group_name,"
          + " created_at FROM entitlements WHERE id = ? FOR UPDATE")) {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new StoreException(Reason.NOT_FOUND, "id", "no entitlement " + id);
          }
          old = read(rs);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM entitlements WHERE id = ?")) {
        ps.setLong(1, id);
        ps.executeUpdate();
      }
      audit.append(c, by, "entitlement.delete", old.pool(), describe(old.principal()) + " (entitlement " + id + ")");
      return null;
    });
  }

  @Override
  public List<Pool> poolsOf(String user) {
    if (user == null) {
      return List.of();
    }
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(ENTITLED_POOLS)) {
        ps.setString(1, user);
        return JdbcPoolStore.readAll(ps);
      }
    });
  }

  @Override
  public Optional<Pool> entitledPool(String user, String pool) {
    if (user == null || pool == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(ENTITLED_POOLS + " AND p.name = ?")) {
        ps.setString(1, user);
        ps.setString(2, pool);
        return JdbcPoolStore.readAll(ps).stream().findFirst();
      }
    });
  }

  /** Inserts an entitlement to an existing pool for an existing principal, and audits it. */
  Entitlement insert(Connection c, String pool, Entitlement.Principal principal, Actor by)
      throws SQLException {
    if (JdbcPoolStore.find(c, pool, false).isEmpty()) {
      throw JdbcPoolStore.notFound(pool);
    }
    boolean user = principal.kind() == Entitlement.Principal.Kind.USER;
    if (user ? !JdbcAccountStore.userExists(c, principal.name())
        : !JdbcAccountStore.groupExists(c, principal.name())) {
      throw user ? JdbcAccountStore.notFoundUser(principal.name())
          : JdbcAccountStore.notFoundGroup(principal.name());
    }
    Instant now = db.now();
    long id;
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO entitlements (pool_name, user_name,"
        + " group_name, created_at) VALUES (?, ?, ?, ?)", new String[] {"id"})) {
      ps.setString(1, pool);
      ps.setString(2, user ? principal.name() : null);
      ps.setString(3, user ? null : principal.name());
      Database.setInstant(ps, 4, now);
      ps.executeUpdate();
      id = generatedId(ps);
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e)) {
        throw new StoreException(Reason.CONFLICT, "principal",
            describe(principal) + " is already entitled to pool " + Inputs.quote(pool));
      }
      throw e;
    }
    audit.append(c, by, "entitlement.create", pool, describe(principal) + " (entitlement " + id + ")");
    return new Entitlement(id, pool, principal, now);
  }

  static boolean exists(Connection c, String pool, Entitlement.Principal principal) throws SQLException {
    String column = principal.kind() == Entitlement.Principal.Kind.USER ? "user_name" : "group_name";
    return JdbcAccountStore.exists(c,
        "SELECT 1 FROM entitlements WHERE pool_name = ? AND " + column + " = ?", pool, principal.name());
  }

  static Entitlement.Principal validate(Entitlement.Principal principal) {
    Inputs.required(principal, "principal");
    Inputs.required(principal.kind(), "principal");
    if (principal.kind() == Entitlement.Principal.Kind.USER) {
      Inputs.userName(principal.name(), "user");
    } else {
      Inputs.groupName(principal.name(), "group");
    }
    return principal;
  }

  static long generatedId(Statement statement) throws SQLException {
    try (ResultSet keys = statement.getGeneratedKeys()) {
      if (!keys.next()) {
        throw new SQLException("no generated id returned", "HY000");
      }
      return keys.getLong(1);
    }
  }

  private static Entitlement read(ResultSet rs) throws SQLException {
    String user = rs.getString("user_name");
    Entitlement.Principal principal = user != null ? Entitlement.Principal.user(user)
        : Entitlement.Principal.group(rs.getString("group_name"));
    return new Entitlement(rs.getLong("id"), rs.getString("pool_name"), principal,
        Database.getInstant(rs, "created_at"));
  }

  private static String describe(Entitlement.Principal principal) {
    return (principal.kind() == Entitlement.Principal.Kind.USER ? "user " : "group ")
        + Inputs.quote(principal.name());
  }
}
