package io.shardbroker.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Brokering locks as rows of {@code brokering_locks}. A lock is taken by an insert, whose primary
 * key (user_name, pool) decides races; when the row exists, a conditional update takes it over
 * only if it has expired, and the database's row lock makes that update win for one racer alone
 * (the others re-check {@code expires_at} against the winner's new value and change nothing).
 *
 * <p>Runs in autocommit: on PostgreSQL the failed insert then ends only its own transaction, and
 * the update after it runs in a fresh one.
 */
final class JdbcBrokeringLocks implements BrokeringLocks {

  private final Database db;

  JdbcBrokeringLocks(Database db) {
    this.db = db;
  }

  @Override
  public boolean tryLock(String user, String pool, String holder, Instant now, Instant expiresAt) {
    Inputs.storedUserName(user, "user");
    Inputs.poolName(pool, "pool");
    holder(holder);
    // Both databases keep microseconds: truncated here, what is compared is what was written.
    Instant from = Inputs.required(now, "now").truncatedTo(ChronoUnit.MICROS);
    Instant until = Inputs.required(expiresAt, "expiresAt").truncatedTo(ChronoUnit.MICROS);
    if (!until.isAfter(from)) {
      throw Inputs.invalid("expiresAt", "a lock must expire after now (" + from + "), got " + until);
    }
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO brokering_locks (user_name, pool, holder, expires_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, user);
        ps.setString(2, pool);
        ps.setString(3, holder);
        Database.setInstant(ps, 4, until);
        ps.executeUpdate();
        return true;
      } catch (SQLException e) {
        if (!Database.isUniqueViolation(e)) {
          throw e;
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE brokering_locks SET holder = ?, expires_at = ?"
          + " WHERE user_name = ? AND pool = ? AND expires_at <= ?")) {
        ps.setString(1, holder);
        Database.setInstant(ps, 2, until);
        ps.setString(3, user);
        ps.setString(4, pool);
        Database.setInstant(ps, 5, from);
        return ps.executeUpdate() == 1;
      }
    });
  }

  private static void holder(String holder) {
    Inputs.text(Inputs.required(holder, "holder"), "holder");
    if (holder.isBlank()) {
      throw Inputs.invalid("holder", "a lock holder cannot be blank");
    }
  }

  @Override
  public void unlock(String user, String pool, String holder) {
    if (user == null || pool == null || holder == null) {
      return;
    }
    db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM brokering_locks WHERE user_name = ? AND pool = ? AND holder = ?")) {
        ps.setString(1, user);
        ps.setString(2, pool);
        ps.setString(3, holder);
        return ps.executeUpdate();
      }
    });
  }
}
