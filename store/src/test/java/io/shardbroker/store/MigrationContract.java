package io.shardbroker.store;

import static io.shardbroker.store.TestData.failure;
import static io.shardbroker.store.TestData.floating;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** Schema migrations: all pending ones or none, with a message people can act on. */
interface MigrationContract extends StoreFixture {

  String BROKEN = "classpath:io/shardbroker/store/broken";
  String FUTURE = "classpath:io/shardbroker/store/future";

  private static StoreSettings with(StoreSettings settings, String extraLocation) {
    List<String> locations = new ArrayList<>(StoreSettings.MIGRATIONS);
    locations.add(extraLocation);
    return settings.withMigrationLocations(locations);
  }

  private boolean hasTable(StoreSettings settings, String table) throws SQLException {
    try (Connection c = connect(settings);
        ResultSet rs = c.getMetaData().getTables(null, null, null, new String[] {"TABLE"})) {
      while (rs.next()) {
        if (rs.getString("TABLE_NAME").equalsIgnoreCase(table)) {
          return true;
        }
      }
      return false;
    }
  }

  private boolean hasColumn(StoreSettings settings, String table, String column) throws SQLException {
    try (Connection c = connect(settings);
        ResultSet rs = c.getMetaData().getColumns(null, null, null, null)) {
      while (rs.next()) {
        if (rs.getString("TABLE_NAME").equalsIgnoreCase(table) && rs.getString("COLUMN_NAME").equalsIgnoreCase(column)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A fresh database as a release knowing only the migrations up to {@code version} left it. */
  private StoreSettings migratedTo(String version) {
    StoreSettings old = freshDatabase();
    boolean h2 = old.jdbcUrl().startsWith("jdbc:h2:");
    Flyway.configure().dataSource(old.jdbcUrl(), h2 ? "sa" : null, h2 ? "" : null)
        .locations(StoreSettings.MIGRATIONS.toArray(String[]::new)).target(version).load().migrate();
    return old;
  }

  @Test
  default void reopeningAnUpToDateDatabaseKeepsItsData() {
    store().pools().create(floating("desktops"), ADMIN);
    store().close();
    try (Store again = Store.open(settings(), clock())) {
      assertThat(again.pools().list()).extracting(Pool::name).containsExactly("desktops");
    }
  }

  @Test
  default void aFailedMigrationLeavesTheDatabaseAsItWas() throws Exception {
    store().pools().create(floating("desktops"), ADMIN);
    store().close();

    StoreException e = failure(() -> Store.open(with(settings(), BROKEN), clock()).close());

    assertThat(e.kind()).isEqualTo(Reason.MIGRATION_FAILED);
    assertThat(e.getMessage())
        .startsWith("the store schema could not be updated: migration V900 (broken) failed: ")
        .containsIgnoringCase("no_such_table")
        .endsWith(" was left as it was")
        .doesNotContain("SQL statement", "INSERT INTO");
    assertThat(hasTable(settings(), "broken_table")).isFalse();
    assertThat(hasColumn(settings(), "pools", "broken_column")).isFalse();
    try (Store again = Store.open(settings(), clock())) {
      assertThat(again.pools().list()).extracting(Pool::name).containsExactly("desktops");
      again.pools().create(floating("more"), ADMIN);
    }
  }

  @Test
  default void aFailedFirstMigrationLeavesAnEmptyDatabase() throws Exception {
    StoreSettings fresh = freshDatabase();
    StoreException e = failure(() -> Store.open(with(fresh, BROKEN), clock()).close());

    assertThat(e.kind()).isEqualTo(Reason.MIGRATION_FAILED);
    assertThat(hasTable(fresh, "pools")).isFalse();
    assertThat(hasTable(fresh, "broken_table")).isFalse();
    try (Store store = Store.open(fresh, clock())) {
      assertThat(store.pools().list()).isEmpty();
    }
  }

  @Test
  default void aSchemaFromANewerReleaseIsRefused() {
    open(with(settings(), FUTURE)).close();

    StoreException e = failure(() -> Store.open(settings(), clock()).close());

    assertThat(e.kind()).isEqualTo(Reason.MIGRATION_FAILED);
    assertThat(e.getMessage()).contains("version 901", "newer shardbroker", store().describe());
  }

  @Test
  default void aVersion1DatabaseGainsBrokeringLocksAndKeepsItsData() throws Exception {
    // What a release knowing only V1 left behind.
    StoreSettings old = migratedTo("1");
    try (Connection c = connect(old)) {
      c.createStatement().executeUpdate("INSERT INTO user_groups (name, description, created_at)"
          + " VALUES ('admins', '', CURRENT_TIMESTAMP)");
    }
    assertThat(hasTable(old, "brokering_locks")).isFalse();

    try (Store store = Store.open(old, clock())) {
      assertThat(hasTable(old, "brokering_locks")).isTrue();
      assertThat(store.accounts().group(Group.ADMINS)).isPresent();
      Instant now = clock().instant();
      assertThat(store.brokeringLocks().tryLock("alice", "lab", "b1", now, now.plusSeconds(30))).isTrue();
    }
  }

  @Test
  default void aVersion3DatabaseGainsLogoffLimitsAndItsPoolsHaveNone() throws Exception {
    // What a release knowing only V1..V3 left behind: a pool without limits.
    StoreSettings old = migratedTo("3");
    try (Connection c = connect(old)) {
      c.createStatement().executeUpdate("INSERT INTO pools (name, display_name, kind, session_mode, protocol,"
          + " enabled, created_at) VALUES ('lab', 'Lab', 'FLOATING', 'SINGLE', 'rdp', TRUE, CURRENT_TIMESTAMP)");
    }
    assertThat(hasColumn(old, "pools", "idle_logoff_after_s")).isFalse();

    try (Store store = Store.open(old, clock())) {
      assertThat(hasColumn(old, "pools", "idle_logoff_after_s")).isTrue();
      assertThat(hasColumn(old, "pools", "disconnected_logoff_after_s")).isTrue();
      assertThat(store.pools().find("lab").orElseThrow().logoff()).isEqualTo(Pool.LogoffPolicy.NONE);
      Pool limited = store.pools().update("lab",
          new Pool.Change(null, null, null, null, Duration.ofMinutes(20), null), ADMIN);
      assertThat(store.pools().find("lab")).contains(limited);
    }
  }

  @Test
  default void aVersion5DatabaseKeepsDeletedSeedItemsDeletedAndItsUsersTokensGood() throws Exception {
    // What a release knowing only V1..V5 left behind: alice seeded then deleted, bob seeded.
    StoreSettings old = migratedTo("5");
    try (Connection c = connect(old)) {
      for (String seeded : List.of("alice", "bob")) {
        c.createStatement().executeUpdate("INSERT INTO audit_log (occurred_at, actor, broker, action, target)"
            + " VALUES (CURRENT_TIMESTAMP, 'seed', 'b1', 'user.create', '" + seeded + "')");
      }
      c.createStatement().executeUpdate("INSERT INTO users (name, display_name, password_hash, enabled,"
          + " created_at) VALUES ('bob', 'Bob', 'x', TRUE, CURRENT_TIMESTAMP)");
    }

    try (Store store = Store.open(old, clock())) {
      Seed seed = new Seed(List.of(), List.of(), List.of(TestData.user("alice"), TestData.user("bob")), List.of());
      assertThat(store.apply(seed, new Actor("seed", "b1"))).isZero();
      assertThat(store.accounts().user("alice")).isEmpty();
      assertThat(store.accounts().tokensValidAfter("bob")).contains(Instant.EPOCH);
    }
  }

  @Test
  default void describeNamesTheDatabaseWithoutCredentials() {
    String description = store().describe();
    if (settings().shared()) {
      assertThat(description).matches("PostgreSQL at localhost:\\d+/\\w+");
    } else {
      assertThat(description).startsWith("embedded H2 at /").endsWith("/shardbroker");
    }
    assertThat(description).doesNotContain("user=", "password");
  }
}
