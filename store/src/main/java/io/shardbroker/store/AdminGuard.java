package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Keeps the admin API reachable: a change that would leave no enabled member of {@link
 * Group#ADMINS}, when there was one before, is refused with {@link Reason#CONFLICT}.
 * A store that never had an admin (a fresh one) refuses nothing.
 *
 * <p>Used inside the transaction of the change: {@link #lock} first, then the change, then {@link
 * #check}, whose refusal rolls the change back. {@link #lock} takes the row lock of the admins
 * group, so changes that may remove admins run one after another, and each counts the admins left
 * by those committed before it (both databases read committed data statement by statement). Every
 * change takes this lock before any other row lock, so they cannot deadlock with each other.
 */
final class AdminGuard {

  private AdminGuard() {}

  /** Locks the admins group (when it exists) and returns how many enabled members it has. */
  static int lock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT name FROM user_groups WHERE name = ? FOR UPDATE")) {
      ps.setString(1, Group.ADMINS);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return 0;
        }
      }
    }
    return enabledAdmins(c);
  }

  /** Refuses the change made since {@link #lock} returned {@code before} if it left no enabled admin. */
  static void check(Connection c, int before) throws SQLException {
    if (before > 0 && enabledAdmins(c) == 0) {
      throw new StoreException(Reason.CONFLICT, null, "at least one enabled member of '"
          + Group.ADMINS + "' must remain; add another admin first");
    }
  }

  private static int enabledAdmins(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM group_members m"
        + " JOIN users u ON u.name = m.user_name WHERE m.group_name = ? AND u.enabled")) {
      ps.setString(1, Group.ADMINS);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
