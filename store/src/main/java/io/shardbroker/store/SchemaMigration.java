package io.shardbroker.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.shardbroker.protocol.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.internal.exception.FlywayMigrateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to the database and brings its schema up to date, all pending migrations or none.
 *
 * <p>PostgreSQL has transactional DDL: Flyway runs every pending migration in one transaction
 * ({@code group(true)}), so a failure rolls them all back. H2 commits each DDL statement, so for
 * an embedded H2 file the database is closed and its file copied before migrating; a failed
 * migration closes it again and puts the copy back. (In-memory and H2 server databases get no
 * copy: a failed migration may leave part of itself there.)
 */
final class SchemaMigration {
  private static final Logger log = LoggerFactory.getLogger(SchemaMigration.class);

  private final StoreSettings settings;
  private final String where;

  SchemaMigration(StoreSettings settings, String where) {
    this.settings = settings;
    this.where = where;
  }

  /** A connection pool on an up-to-date schema. @throws StoreException UNAVAILABLE, MIGRATION_FAILED */
  HikariDataSource open() {
    HikariDataSource pool = connect();
    try {
      MigrationInfoService info = flyway(pool).info();
      refuseNewer(info);
      MigrationInfo[] pending = info.pending();
      if (pending.length == 0) {
        return pool;
      }
      Path database = DatabaseUrl.h2File(settings.jdbcUrl());
      if (database == null) {
        migrate(pool, pending);
        return pool;
      }
      shutdown(pool);
      Path backup = backUp(database);
      try {
        pool = connect();
        migrate(pool, pending);
      } catch (StoreException e) {
        shutdown(pool);
        throw restore(backup, database, e);
      }
      Files.deleteIfExists(backup);
      return pool;
    } catch (FlywayException e) {
      pool.close();
      throw failed("the schema could not be read: " + Database.firstLine(e.getMessage()), e);
    } catch (IOException e) {
      pool.close();
      throw failed("no backup of the database could be made before the update (" + e + ")", e);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private HikariDataSource connect() {
    HikariConfig config = new HikariConfig();
    config.setPoolName("store");
    config.setJdbcUrl(settings.jdbcUrl());
    boolean h2 = settings.jdbcUrl().startsWith("jdbc:h2:");
    config.setUsername(settings.user() == null && h2 ? "sa" : settings.user());
    config.setPassword(settings.password() == null && h2 ? "" : settings.password());
    config.setMaximumPoolSize(settings.maxConnections());
    config.setMinimumIdle(Math.min(2, settings.maxConnections()));
    config.setConnectionTimeout(10_000);
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException(Reason.STORE_UNAVAILABLE,
          "the store database (" + where + ") cannot be reached: " + Database.firstLine(connectMessage(e)), e);
    }
  }

  private Flyway flyway(HikariDataSource pool) {
    return Flyway.configure()
        .dataSource(pool)
        .locations(settings.migrationLocations().toArray(String[]::new))
        // One transaction for all pending migrations where DDL is transactional; H2 has the copy.
        .group(settings.shared())
        .cleanDisabled(true)
        .loggers("slf4j")
        .load();
  }

  /** A schema a newer shardbroker has updated may hold what this one would misread: stop. */
  private void refuseNewer(MigrationInfoService info) {
    List<MigrationInfo> future = Arrays.stream(info.all())
        .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
        .toList();
    if (!future.isEmpty()) {
      MigrationInfo newest = future.get(future.size() - 1);
      throw new StoreException(Reason.MIGRATION_FAILED, null, "the store schema of " + where
          + " is version " + newest.getVersion() + ", written by a newer shardbroker; this one knows"
          + " versions up to " + known(info) + ". Run the newer shardbroker, or point this one at"
          + " another database; the database was left as it was");
    }
  }

  private static String known(MigrationInfoService info) {
    return Arrays.stream(info.all())
        .filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED)
        .reduce((a, b) -> b)
        .map(m -> String.valueOf(m.getVersion()))
        .orElse("none");
  }

  private void migrate(HikariDataSource pool, MigrationInfo[] pending) {
    log.info("updating the store schema of {}: {}", where, Arrays.stream(pending)
        .map(m -> "V" + m.getVersion() + " (" + m.getDescription() + ")").toList());
    try {
      flyway(pool).migrate();
    } catch (FlywayMigrateException e) {
      MigrationInfo m = e.getMigration();
      String which = m == null ? "a migration" : "migration V" + m.getVersion() + " (" + m.getDescription() + ")";
      throw failed(which + " failed: " + Database.firstLine(databaseMessage(e)), e);
    } catch (FlywayException e) {
      throw failed(Database.firstLine(databaseMessage(e)), e);
    }
  }

  private StoreException failed(String why, Throwable cause) {
    return new StoreException(Reason.MIGRATION_FAILED,
        "the store schema could not be updated: " + why + "; " + where + " was left as it was", cause);
  }

  /** Closes the embedded database for good (no other connection can keep it open), then the pool. */
  private static void shutdown(HikariDataSource pool) {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      // Closing the pool below closes the database unless someone else holds it open.
      log.debug("H2 shutdown before the schema backup failed", e);
    } finally {
      pool.close();
    }
  }

  private static Path backUp(Path database) throws IOException {
    Path file = DatabaseUrl.h2DataFile(database);
    Path backup = file.resolveSibling(file.getFileName() + ".before-migration");
    Files.copy(file, backup, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    return backup;
  }

  private StoreException restore(Path backup, Path database, StoreException failure) {
    try {
      Files.move(backup, DatabaseUrl.h2DataFile(database), StandardCopyOption.REPLACE_EXISTING);
      return failure;
    } catch (IOException e) {
      log.error("could not put back {} after a failed schema update", backup, e);
      return new StoreException(Reason.MIGRATION_FAILED, failure.getMessage().replace(
          "was left as it was", "may be half updated: copy " + backup + " over "
              + DatabaseUrl.h2DataFile(database) + " to restore it (" + e + ")"), failure);
    }
  }

  /** The database's own words when there are some (Flyway's messages quote whole scripts). */
  private static String databaseMessage(FlywayException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql.getMessage();
      }
    }
    return e.getMessage();
  }

  /** The driver's own words on a failed connection: its SQLException, else the root cause. */
  private static String connectMessage(Throwable e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        return t.getMessage();
      }
      root = t;
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
