package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections, transactions and the translation of SQL errors into {@link StoreException}s, for
 * every part of the store.
 *
 * <p>Rules the parts follow: all input goes in as {@link PreparedStatement} parameters; a
 * statement that fails ends its transaction (PostgreSQL refuses anything after an error inside a
 * transaction), so work inside {@link #transaction} never catches an SQL error to carry on: it
 * throws, and a caller that wants to try something else does so in a new transaction.
 */
final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** SQLState of a unique key violation, on H2 and PostgreSQL alike. */
  static final String UNIQUE_VIOLATION = "23505";

  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource dataSource;
  private final Clock clock;

  Database(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  <T> T transaction(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** Runs {@code work} on a connection in autocommit mode: each statement is its own transaction. */
  <T> T autocommit(Work<T> work) {
    try {
      return connected(work);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** Like {@link #autocommit}, for callers that handle SQL errors themselves. */
  <T> T connected(Work<T> work) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    }
  }

  /** Now, to the microsecond both databases keep, so what is returned equals what is read back. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  static boolean isUniqueViolation(SQLException e) {
    return UNIQUE_VIOLATION.equals(e.getSQLState());
  }

  /**
   * True for a foreign key that names a missing row: SQLState 23503 on PostgreSQL, 23506 on H2
   * (whose 23503 is the reverse case, which ON DELETE CASCADE rules out here).
   */
  static boolean isMissingReference(SQLException e) {
    return "23503".equals(e.getSQLState()) || "23506".equals(e.getSQLState());
  }

  /**
   * An SQL error the caller did not expect, for a client: no SQL and no values in the message
   * (H2 quotes the statement in its messages); the details go to the log.
   */
  static StoreException failed(SQLException e) {
    if (isUniqueViolation(e)) {
      return new StoreException(Reason.CONFLICT, null,
          "it exists already (changed by someone else meanwhile?)");
    }
    if (isMissingReference(e)) {
      return new StoreException(Reason.NOT_FOUND, null,
          "something it refers to does not exist (deleted meanwhile?)");
    }
    if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
      // Class 22, data exception: the input, not the database (PostgreSQL refuses a NUL in text).
      return new StoreException(Reason.BAD_REQUEST, null,
          "a value holds characters the store cannot take (control characters?)");
    }
    log.warn("store database error (SQLState {})", e.getSQLState(), e);
    return new StoreException(Reason.STORE_UNAVAILABLE,
        "the store's database failed (SQLState " + e.getSQLState() + "); try again later", e);
  }

  /** The first line of a database message, without the statement H2 quotes after it. */
  static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    String text = message.strip();
    int statement = text.indexOf("; SQL statement:");
    if (statement >= 0) {
      text = text.substring(0, statement);
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline).strip();
  }

  // ---- parameters and columns shared by the parts ----------------------------------------------

  static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
    }
  }

  static Instant getInstant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }
}
