package io.shardbroker.tools.centraldb;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The VM-state database of the central-db baseline: its connection pool, its two tables and the
 * registration of VMs. The tables live beside the store's (prefixed {@code cdb_}), typically in the
 * same PostgreSQL database.
 *
 * <p>{@code cdb_vm} holds one row per VM. Two kinds of writes hit it, and the layout is chosen for
 * both:
 * <ul>
 *   <li>a claim ({@code used = used + 1}) changes a column of the partial claim index
 *       {@value #CLAIM_INDEX}, so it is an ordinary (non-HOT) update: the row leaves the index once
 *       the VM is full;
 *   <li>a heartbeat ({@code last_heartbeat}, {@code state_sequence}) touches only columns that no
 *       index names, neither as a key nor in a predicate, so PostgreSQL can make it a HOT update
 *       (no index entries written) as long as the page has room. {@code fillfactor = 70} keeps
 *       that room. Do not index {@code last_heartbeat}: every heartbeat would then write index
 *       entries, and heartbeats are by far the most frequent write.
 * </ul>
 * The claim filters on freshness ({@code last_heartbeat}) as a heap-side condition on the rows the
 * index scan yields; in a healthy fleet almost every candidate passes it.
 *
 * <p>{@code cdb_session} holds one row per session; its unique key {@code (user_name, pool)} is
 * both the rule of the benchmark (one session per user per pool) and the index of the lookup that
 * comes first in every brokering. It has no foreign key to {@code cdb_vm}: the claim holds the VM's
 * row lock in the same transaction as the insert, so the reference is right by construction, and
 * a foreign key would only add a lookup per brokering.
 *
 * <p>Stateless; all methods are thread-safe. {@link #create} is idempotent.
 */
public final class CentralDbSchema {

  /** Connections of the broker's pool when the caller does not choose. */
  public static final int POOL_SIZE_DEFAULT = 32;
  /** The partial index that makes the claim an index scan. */
  public static final String CLAIM_INDEX = "cdb_vm_claim";
  /** VM rows per INSERT statement when registering. */
  static final int REGISTER_BATCH = 1000;

  private static final List<String> DDL = List.of(
      """
      CREATE TABLE IF NOT EXISTS cdb_vm (
        vm_id          text        PRIMARY KEY,
        pool           text        NOT NULL,
        capacity       int         NOT NULL CHECK (capacity > 0),
        used           int         NOT NULL DEFAULT 0 CHECK (used BETWEEN 0 AND capacity),
        accepting      boolean     NOT NULL DEFAULT true,
        last_heartbeat timestamptz NOT NULL,
        state_sequence bigint      NOT NULL DEFAULT 0
      ) WITH (fillfactor = 70)""",
      // Only VMs with room are in it, by pool and then by load: the claim reads the least loaded
      // free VMs of one pool in index order and stops at the first it can lock.
      "CREATE INDEX IF NOT EXISTS " + CLAIM_INDEX
          + " ON cdb_vm (pool, used) WHERE used < capacity AND accepting",
      """
      CREATE TABLE IF NOT EXISTS cdb_session (
        session_id uuid        PRIMARY KEY,
        user_name  text        NOT NULL,
        pool       text        NOT NULL,
        vm_id      text        NOT NULL,
        started_at timestamptz NOT NULL,
        CONSTRAINT cdb_session_one_per_user UNIQUE (user_name, pool)
      )""");

  private static final String INSERT_VMS = "INSERT INTO cdb_vm (vm_id, pool, capacity, last_heartbeat)"
      + " SELECT id, ?, ?, now() FROM unnest(?::text[]) AS id ON CONFLICT (vm_id) DO NOTHING";

  private CentralDbSchema() {}

  /**
   * A fixed-size connection pool for the VM tables: READ COMMITTED, a 5-second wait for a free
   * connection. The caller closes it, after whatever uses it.
   *
   * @param user database user, or null when the URL carries it
   * @param password its password, or null
   */
  public static HikariDataSource openPool(String jdbcUrl, String user, String password, int maxConnections) {
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("the central-db baseline needs a jdbc:postgresql: URL, got " + jdbcUrl);
    }
    if (maxConnections < 1 || maxConnections > 1000) {
      throw new IllegalArgumentException("max connections must be 1..1000, got " + maxConnections);
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName("cdb-vm-state");
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(maxConnections);
    config.setMinimumIdle(maxConnections);
    config.setConnectionTimeout(5_000);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    return new HikariDataSource(config);
  }

  /** Creates the tables and the claim index where they are missing. */
  public static void create(DataSource db) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String ddl : DDL) {
          s.execute(ddl);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not create the central-db tables: " + e.getMessage(), e);
    }
  }

  /**
   * Registers {@code count} empty, accepting VMs of {@code pool}, each taking {@code capacity}
   * sessions, named by {@link #vmIds}, with a heartbeat of now (registration counts as the agent's
   * first report); VMs that exist already stay as they are. Inserts {@value #REGISTER_BATCH} per
   * statement, then runs ANALYZE so the planner knows the table at once.
   *
   * @return the ids, in order
   */
  public static List<String> registerVms(DataSource db, String pool, int count, int capacity, String idPrefix) {
    if (pool == null || pool.isBlank()) {
      throw new IllegalArgumentException("the pool must be named, got '" + pool + "'");
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("a VM's capacity must be at least 1, got " + capacity);
    }
    List<String> ids = vmIds(idPrefix, count);
    try (Connection c = db.getConnection()) {
      try (PreparedStatement insert = c.prepareStatement(INSERT_VMS)) {
        for (int from = 0; from < ids.size(); from += REGISTER_BATCH) {
          Array batch = c.createArrayOf("text",
              ids.subList(from, Math.min(ids.size(), from + REGISTER_BATCH)).toArray());
          insert.setString(1, pool);
          insert.setInt(2, capacity);
          insert.setArray(3, batch);
          insert.executeUpdate();
          batch.free();
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE cdb_vm");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not register " + count + " VMs of pool " + pool + ": "
          + e.getMessage(), e);
    }
    return ids;
  }

  /** {@code count} VM ids {@code prefix-000001}, {@code prefix-000002}, ... (more digits past 999999). */
  public static List<String> vmIds(String idPrefix, int count) {
    if (idPrefix == null || idPrefix.isBlank()) {
      throw new IllegalArgumentException("the VM id prefix must not be empty, got '" + idPrefix + "'");
    }
    if (count < 0) {
      throw new IllegalArgumentException("the VM count must not be negative, got " + count);
    }
    List<String> ids = new ArrayList<>(count);
    for (int i = 1; i <= count; i++) {
      ids.add(String.format(Locale.ROOT, "%s-%06d", idPrefix, i));
    }
    return ids;
  }
}
