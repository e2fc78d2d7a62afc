package io.shardbroker.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where the store lives and how it behaves.
 *
 * @param jdbcUrl {@code jdbc:h2:file:...} (embedded, one broker) or {@code jdbc:postgresql://...}
 * @param user database user; null when the URL or the database needs none
 * @param password its password; null when none
 * @param maxConnections connection pool size
 * @param historyFlushInterval how long session events may wait in memory before they are written
 * @param passwordHashing cost of new password hashes
 * @param migrationLocations Flyway locations of the schema migrations
 */
public record StoreSettings(
    String jdbcUrl,
    String user,
    String password,
    int maxConnections,
    Duration historyFlushInterval,
    PasswordHashing passwordHashing,
    List<String> migrationLocations) {

  public static final int MAX_CONNECTIONS_DEFAULT = 16;
  public static final Duration HISTORY_FLUSH_INTERVAL_DEFAULT = Duration.ofMillis(250);
  public static final List<String> MIGRATIONS = List.of("classpath:io/shardbroker/store/migration");
  /** The file name (without H2's extension) of the embedded database under the data directory. */
  public static final String EMBEDDED_FILE = "shardbroker";

  public StoreSettings {
    if (jdbcUrl == null || !(jdbcUrl.startsWith("jdbc:h2:") || jdbcUrl.startsWith("jdbc:postgresql:"))) {
      throw new IllegalArgumentException(
          "the store URL must start with jdbc:h2: or jdbc:postgresql:, got " + jdbcUrl);
    }
    if (maxConnections < 1 || maxConnections > 1000) {
      throw new IllegalArgumentException("max connections must be 1..1000, got " + maxConnections);
    }
    if (historyFlushInterval == null || historyFlushInterval.isNegative() || historyFlushInterval.isZero()) {
      throw new IllegalArgumentException("history flush interval must be positive, got " + historyFlushInterval);
    }
    if (passwordHashing == null) {
      throw new IllegalArgumentException("password hashing must be given");
    }
    migrationLocations = List.copyOf(migrationLocations);
  }

  /** The embedded H2 file under {@code dataDirectory}, with defaults for everything else. */
  public static StoreSettings embedded(Path dataDirectory) {
    return of("jdbc:h2:file:" + dataDirectory.toAbsolutePath().resolve(EMBEDDED_FILE), null, null);
  }

  /** A database at {@code jdbcUrl}, with defaults for everything else. */
  public static StoreSettings of(String jdbcUrl, String user, String password) {
    return new StoreSettings(jdbcUrl, user, password, MAX_CONNECTIONS_DEFAULT,
        HISTORY_FLUSH_INTERVAL_DEFAULT, PasswordHashing.DEFAULT, MIGRATIONS);
  }

  public StoreSettings withPasswordHashing(PasswordHashing hashing) {
    return new StoreSettings(jdbcUrl, user, password, maxConnections, historyFlushInterval, hashing,
        migrationLocations);
  }

  public StoreSettings withMigrationLocations(List<String> locations) {
    return new StoreSettings(jdbcUrl, user, password, maxConnections, historyFlushInterval,
        passwordHashing, locations);
  }

  /** True for PostgreSQL, which several brokers can share; false for the embedded H2 file. */
  public boolean shared() {
    return jdbcUrl.startsWith("jdbc:postgresql:");
  }
}
