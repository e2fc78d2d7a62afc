package io.shardbroker.tools.centraldb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.shardbroker.testing.FakeClock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulated agents' heartbeats on a real PostgreSQL. */
@Timeout(30)
class CentralDbFleetTest {

  private static final Duration INTERVAL = Duration.ofSeconds(5);
  private static TestDatabase db;

  @BeforeAll
  static void openDatabase() {
    db = TestDatabase.open();
  }

  @AfterAll
  static void closeDatabase() {
    db.close();
  }

  @BeforeEach
  void empty() {
    db.reset();
  }

  @Test
  void everyVmWritesOncePerIntervalSpreadEvenlyOverIt() {
    List<String> ids = CentralDbSchema.registerVms(db.vmDb, "desktop", 10, 1, "desktop");
    FakeClock clock = new FakeClock();

    try (CentralDbFleet fleet = new CentralDbFleet(db.vmDb, ids, INTERVAL, 3, clock, clock).start()) {
      clock.runDueTasks();
      assertThat(written()).containsExactly("desktop-000001");

      // VM i is due i x 0.5 s into each interval.
      clock.advance(Duration.ofMillis(2400));
      assertThat(written()).containsExactly(
          "desktop-000001", "desktop-000002", "desktop-000003", "desktop-000004", "desktop-000005");

      clock.advance(Duration.ofMillis(2500));
      assertThat(db.column("SELECT DISTINCT state_sequence FROM cdb_vm")).containsExactly("1");

      clock.advance(INTERVAL);
      assertThat(db.column("SELECT DISTINCT state_sequence FROM cdb_vm")).containsExactly("2");
      assertThat(fleet.stats()).isEqualTo(new CentralDbFleet.Stats(20, 0, 0));
      assertThat(fleet.heartbeatsPerSecond()).isEqualTo(2.0);
    }
  }

  @Test
  void reportsHowFarBehindTheWritersAreWhenTheDatabaseStalls() throws Exception {
    List<String> ids = CentralDbSchema.registerVms(db.vmDb, "desktop", 2, 1, "desktop");
    Duration interval = Duration.ofMillis(100);

    try (HikariDataSource fleetDb = CentralDbSchema.openPool(db.url, null, null, 1);
        Connection locker = db.vmDb.getConnection()) {
      // Hold every VM's row: the heartbeats wait, as on a database that cannot keep up.
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement();
          ResultSet rs = s.executeQuery("SELECT vm_id FROM cdb_vm FOR UPDATE")) {
        assertThat(rs.next()).isTrue();
      }
      try (CentralDbFleet fleet = new CentralDbFleet(fleetDb, ids, interval, 1).start()) {
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.stats().maxLagMillis() > interval.toMillis());
        assertThat(fleet.stats().heartbeats()).isZero();

        locker.rollback();
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.stats().heartbeats() >= 4);
        assertThat(fleet.stats().failures()).isZero();
      }
    }
  }

  @Test
  void refusesNonsenseSettings() {
    List<String> ids = List.of("desktop-000001");
    assertThatThrownBy(() -> new CentralDbFleet(db.vmDb, ids, Duration.ZERO, 1))
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new CentralDbFleet(db.vmDb, ids, INTERVAL, 0))
        .hasMessageContaining("got 0");
  }

  /** The VMs whose heartbeat has been written at least once. */
  private static List<String> written() {
    return db.column("SELECT vm_id FROM cdb_vm WHERE state_sequence > 0 ORDER BY vm_id");
  }
}
