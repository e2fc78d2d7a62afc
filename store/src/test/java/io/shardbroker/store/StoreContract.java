package io.shardbroker.store;

import io.shardbroker.testing.FakeClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole store suite, written once: each concern's tests are default methods of a contract
 * interface, and a one-line subclass per database runs them all there.
 */
abstract class StoreContract implements StoreFixture, PoolContract, AccountContract, NamesContract,
    EntitlementContract, AssignmentContract, MaintenanceContract, HistoryContract, AuditContract,
    SeedContract, MigrationContract, BrokeringLockContract, LastAdminContract,
    SecurityContract, TokenCutoffContract {

  @TempDir
  Path tempDir;

  private final FakeClock clock = new FakeClock();
  private final List<Store> opened = new ArrayList<>();
  private StoreSettings settings;
  private Store store;

  /** The JDBC URL of a new, empty database. */
  abstract String newDatabase(Path tempDir);

  @BeforeEach
  final void openStore() {
    settings = freshDatabase();
    store = open(settings);
  }

  @AfterEach
  final void closeStores() {
    for (Store each : opened.reversed()) {
      each.close();
    }
  }

  @Override
  public Store store() {
    return store;
  }

  @Override
  public FakeClock clock() {
    return clock;
  }

  @Override
  public StoreSettings settings() {
    return settings;
  }

  @Override
  public StoreSettings freshDatabase() {
    return new StoreSettings(newDatabase(tempDir), null, null, 8, Duration.ofMillis(20),
        PasswordHashing.FAST, StoreSettings.MIGRATIONS);
  }

  @Override
  public Store open(StoreSettings settings) {
    Store opened = Store.open(settings, clock);
    this.opened.add(opened);
    return opened;
  }

  @Override
  public Connection connect(StoreSettings settings) throws SQLException {
    return settings.jdbcUrl().startsWith("jdbc:h2:")
        ? DriverManager.getConnection(settings.jdbcUrl(), "sa", "")
        : DriverManager.getConnection(settings.jdbcUrl());
  }
}
