package io.shardbroker.tools.centraldb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * One brokering as one READ COMMITTED transaction on the VM tables:
 * <ol>
 *   <li>the user's session in the pool, if any, is the answer (a reconnection);
 *   <li>else {@link #CLAIM} takes one seat on the least loaded free, accepting, recently heard-from
 *       VM of the pool. {@code FOR UPDATE SKIP LOCKED} lets concurrent claims pass each other
 *       instead of queueing on the same row; a row another claim filled meanwhile fails the
 *       re-check of {@code used < capacity} and the scan moves on;
 *   <li>the session is inserted. When a concurrent request of the same user won the unique key
 *       {@code (user_name, pool)}, the transaction reads the winner's session and rolls back, which
 *       gives the seat back.
 * </ol>
 * Statements are prepared; the driver keeps them prepared on the server per pooled connection.
 * Freshness is judged by the database's clock on both sides (heartbeats write {@code now()}), so
 * clock skew between hosts does not matter.
 *
 * <p>Thread-safe: each call takes its own connection from the pool.
 */
final class SessionClaims {

  static final String FIND = "SELECT session_id, vm_id, started_at FROM cdb_session"
      + " WHERE user_name = ? AND pool = ?";

  static final String CLAIM = """
      UPDATE cdb_vm SET used = used + 1
       WHERE vm_id = (SELECT vm_id FROM cdb_vm
                       WHERE pool = ? AND used < capacity AND accepting
                         AND last_heartbeat > now() - make_interval(secs => ?)
                       ORDER BY used
                       LIMIT 1
                       FOR UPDATE SKIP LOCKED)
      RETURNING vm_id""";

  static final String INSERT = "INSERT INTO cdb_session (session_id, user_name, pool, vm_id, started_at)"
      + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_name, pool) DO NOTHING";

  /** A session as stored. */
  record Session(UUID id, String user, String pool, String vmId, Instant startedAt) {}

  /** The outcome of a brokering that found a seat: the session and whether the user had it already. */
  record Claimed(Session session, boolean reconnected) {}

  private final DataSource db;
  private final double silenceSeconds;
  private final Clock clock;
  private final Tally tally;

  SessionClaims(DataSource db, Duration silenceLimit, Clock clock, Tally tally) {
    this.db = db;
    this.silenceSeconds = silenceLimit.toNanos() / 1e9;
    this.clock = clock;
    this.tally = tally;
  }

  /** The user's session in the pool, old or new; empty when no VM of the pool is free. */
  Optional<Claimed> claim(String user, String pool) throws SQLException {
    tally.brokerings.incrementAndGet();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      tally.transactions.incrementAndGet();
      try {
        Optional<Session> existing = find(c, user, pool);
        if (existing.isPresent()) {
          c.commit();
          return Optional.of(new Claimed(existing.get(), true));
        }
        Optional<String> vmId = claimSeat(c, pool);
        if (vmId.isEmpty()) {
          c.rollback();
          return Optional.empty();
        }
        Session fresh = new Session(UUID.randomUUID(), user, pool, vmId.get(),
            clock.instant().truncatedTo(ChronoUnit.MILLIS));
        if (insert(c, fresh)) {
          c.commit();
          return Optional.of(new Claimed(fresh, false));
        }
        // READ COMMITTED: this statement sees the winner, whose commit the insert waited for.
        Session winner = find(c, user, pool).orElseThrow(() -> new IllegalStateException(
            "the session of " + user + " in pool " + pool + " vanished while it won the insert"));
        c.rollback();
        return Optional.of(new Claimed(winner, true));
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      }
    }
  }

  private Optional<Session> find(Connection c, String user, String pool) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(FIND)) {
      ps.setString(1, user);
      ps.setString(2, pool);
      tally.statements.incrementAndGet();
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Session(rs.getObject(1, UUID.class), user, pool, rs.getString(2),
            rs.getObject(3, OffsetDateTime.class).toInstant()));
      }
    }
  }

  private Optional<String> claimSeat(Connection c, String pool) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
      ps.setString(1, pool);
      ps.setDouble(2, silenceSeconds);
      tally.statements.incrementAndGet();
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** False when the user already has a session in the pool (a concurrent request won). */
  private boolean insert(Connection c, Session s) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      ps.setObject(1, s.id());
      ps.setString(2, s.user());
      ps.setString(3, s.pool());
      ps.setString(4, s.vmId());
      ps.setObject(5, s.startedAt().atOffset(ZoneOffset.UTC));
      tally.statements.incrementAndGet();
      return ps.executeUpdate() == 1;
    }
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);  // the pool discards a broken connection anyway
    }
  }
}
