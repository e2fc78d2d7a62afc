package io.shardbroker.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A WHERE clause built from optional filters. Column names come from the store's own code; every
 * value becomes a parameter, so no input ever reaches the SQL text.
 */
final class Where {
  private final List<String> conditions = new ArrayList<>();
  private final List<Object> values = new ArrayList<>();

  /** {@code column = value}, unless value is null. */
  Where equal(String column, Object value) {
    return add(column + " = ?", value);
  }

  /** {@code column} starts with {@code prefix} (no wildcards in it count), unless prefix is null. */
  Where startsWith(String column, String prefix) {
    if (prefix == null) {
      return this;
    }
    String escaped = prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    return add(column + " LIKE ? ESCAPE '!'", escaped + "%");
  }

  Where atLeast(String column, Instant value) {
    return add(column + " >= ?", value);
  }

  Where before(String column, Instant value) {
    return add(column + " < ?", value);
  }

  Where below(String column, Long value) {
    return add(column + " < ?", value);
  }

  private Where add(String condition, Object value) {
    if (value != null) {
      conditions.add(condition);
      values.add(value);
    }
    return this;
  }

  /** The clause with a leading space, or "" when there is no filter. */
  String sql() {
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  /** Binds the values from parameter 1 on; returns the index of the next parameter. */
  int bind(PreparedStatement ps) throws SQLException {
    int index = 1;
    for (Object value : values) {
      if (value instanceof Instant instant) {
        Database.setInstant(ps, index++, instant);
      } else {
        ps.setObject(index++, value);
      }
    }
    return index;
  }
}
