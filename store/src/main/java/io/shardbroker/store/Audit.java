package io.shardbroker.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit log: {@link #append} writes an entry on the connection of the change it records, so
 * the two commit or roll back together; {@link #query} reads entries newest first.
 *
 * <p>Targets by action: pools, users and groups by name; members and entitlements by the group or
 * pool they change; assignments and maintenance by VM id. Details are text for people and never
 * carry a password.
 */
final class Audit implements AuditLog {
  private static final int TARGET_MAX = 512;
  private static final int DETAIL_MAX = 2048;

  private final Database db;

  Audit(Database db) {
    this.db = db;
  }

  void append(Connection c, Actor by, String action, String target, String detail)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log"
        + " (occurred_at, actor, broker, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)")) {
      Database.setInstant(ps, 1, db.now());
      ps.setString(2, clip(by.user(), 256));
      ps.setString(3, clip(by.broker(), 256));
      ps.setString(4, action);
      ps.setString(5, clip(target, TARGET_MAX));
      ps.setString(6, clip(detail, DETAIL_MAX));
      ps.executeUpdate();
    }
  }

  @Override
  public Page<AuditEntry> query(AuditEntry.Query query) {
    Inputs.required(query, "query");
    PageRequest page = query.page() == null ? PageRequest.first(PageRequest.LIMIT_DEFAULT) : query.page();
    Where where = new Where()
        .equal("actor", query.actor())
        .startsWith("action", query.action())
        .equal("target", query.target())
        .atLeast("occurred_at", query.since())
        .before("occurred_at", query.until())
        .below("id", page.before());
    String sql = "SELECT id, occurred_at, actor, broker, action, target, detail FROM audit_log"
        + where.sql() + " ORDER BY id DESC FETCH FIRST ? ROWS ONLY";
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(where.bind(ps), page.limit() + 1);
        List<AuditEntry> items = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            items.add(new AuditEntry(rs.getLong("id"), Database.getInstant(rs, "occurred_at"),
                rs.getString("actor"), rs.getString("broker"), rs.getString("action"),
                rs.getString("target"), rs.getString("detail")));
          }
        }
        return Pages.of(items, page.limit(), AuditEntry::id);
      }
    });
  }

  /** Cuts text to fit its column, never inside a surrogate pair. */
  static String clip(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return value.substring(0, end);
  }

  /** The part of an audit detail that says what a text field became. */
  static String quoted(String value) {
    return value == null ? "none" : "'" + value + "'";
  }
}
