package io.shardbroker.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real PostgreSQL server for tests: one per JVM, started on first use and stopped when the JVM
 * exits. Each caller gets a database of its own, so tests never see each other's rows.
 *
 * <p>Thread-safe. The binaries are extracted under {@code java.io.tmpdir} (Surefire points it at
 * {@code target/}). As root, the server runs in a user namespace (PostgreSQL refuses root).
 */
public final class TestPostgres {

  private static final AtomicLong DATABASES = new AtomicLong();
  // Written once, under the class lock.
  private static volatile EmbeddedPostgres server;

  private TestPostgres() {}

  /** Creates an empty database and returns its JDBC URL; the user is {@code postgres}, no password. */
  public static String newDatabase() {
    EmbeddedPostgres pg = server();
    String name = "test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      // The name is ours (digits and underscores), not input: safe to put in DDL. With fsync off,
      // copying the template's files is several times faster than the default WAL_LOG strategy.
      s.execute("CREATE DATABASE " + name + " STRATEGY FILE_COPY");
    } catch (SQLException e) {
      throw new IllegalStateException("could not create test database " + name, e);
    }
    return pg.getJdbcUrl("postgres", name);
  }

  private static EmbeddedPostgres server() {
    EmbeddedPostgres pg = server;
    if (pg != null) {
      return pg;
    }
    synchronized (TestPostgres.class) {
      if (server == null) {
        server = start();
      }
      return server;
    }
  }

  private static EmbeddedPostgres start() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setRegisterShutdownHook(false)
          // Tests throw their databases away: durability only costs time.
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off")
          .setServerConfig("max_connections", "300")
          .start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (IOException e) {
          // The JVM is exiting; the data directory is temporary anyway.
        }
      }, "test-postgres-stop"));
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded PostgreSQL server", e);
    }
  }
}
