package io.shardbroker.tools.centraldb;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The VM tables on a real PostgreSQL: registration, the claim's plan, HOT heartbeats. */
@Timeout(30)
class CentralDbSchemaTest {

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
  void registersVmsInBatchesOnceAndCreatesTablesIdempotently() {
    List<String> ids = CentralDbSchema.registerVms(db.vmDb, "desktop", 2500, 1, "desktop");

    assertThat(ids).hasSize(2500).startsWith("desktop-000001", "desktop-000002").endsWith("desktop-002500");
    assertThat(db.number("SELECT count(*) FROM cdb_vm WHERE pool = 'desktop' AND capacity = 1"
        + " AND used = 0 AND accepting AND last_heartbeat > now() - interval '1 minute'")).isEqualTo(2500);

    db.update("UPDATE cdb_vm SET used = 1 WHERE vm_id = 'desktop-000001'");
    CentralDbSchema.create(db.vmDb);
    CentralDbSchema.registerVms(db.vmDb, "desktop", 2500, 1, "desktop");
    assertThat(db.number("SELECT count(*) FROM cdb_vm")).isEqualTo(2500);
    assertThat(db.number("SELECT used FROM cdb_vm WHERE vm_id = 'desktop-000001'")).isEqualTo(1);
  }

  @Test
  void theClaimIsAnIndexScanOfThePartialIndex() throws SQLException {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 3000, 1, "desktop");
    CentralDbSchema.registerVms(db.vmDb, "shared", 3000, 4, "host");
    db.update("UPDATE cdb_vm SET used = 1 WHERE pool = 'desktop' AND vm_id <= 'desktop-002000'");
    db.update("ANALYZE cdb_vm");

    // Both plans a server-side prepared statement may use: one for the values, and the generic one.
    for (String mode : List.of("force_custom_plan", "force_generic_plan")) {
      String plan = explainClaim(mode);
      assertThat(plan).as(mode).contains("Index Scan using " + CentralDbSchema.CLAIM_INDEX)
          .contains("LockRows")
          .doesNotContain("Seq Scan");
    }
  }

  @Test
  void heartbeatsAreHotUpdatesAndClaimsAreNot() throws SQLException {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 1000, 1, "desktop");

    try (Connection c = db.vmDb.getConnection()) {
      c.setAutoCommit(false);
      long[] before = updatesOfCdbVm(c);
      // Every 10th VM: a few rows a page, as one interval's heartbeats meet a page in practice.
      for (int i = 1; i <= 1000; i += 10) {
        try (PreparedStatement ps = c.prepareStatement(CentralDbFleet.HEARTBEAT)) {
          ps.setString(1, String.format("desktop-%06d", i));
          assertThat(ps.executeUpdate()).isEqualTo(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(StateWrites.WRITE)) {
        ps.setString(1, "desktop-000005");
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement ps = c.prepareStatement(SessionClaims.CLAIM)) {
        ps.setString(1, "desktop");
        ps.setDouble(2, 15);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
        }
      }
      long[] after = updatesOfCdbVm(c);
      assertThat(after[0] - before[0]).as("updates").isEqualTo(102);
      assertThat(after[1] - before[1]).as("HOT updates: the heartbeats and the state write").isEqualTo(101);
      c.rollback();
    }
  }

  /**
   * This backend's updates and HOT updates of cdb_vm not yet flushed to the statistics: this
   * transaction's, and maybe earlier ones' of the pooled connection.
   */
  private static long[] updatesOfCdbVm(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
            + " WHERE relname = 'cdb_vm'")) {
      assertThat(rs.next()).isTrue();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /** The plan of the claim as a server-side prepared statement, under the given plan_cache_mode. */
  private String explainClaim(String planCacheMode) throws SQLException {
    String parameterized = SessionClaims.CLAIM.replaceFirst("\\?", "\\$1").replaceFirst("\\?", "\\$2");
    try (Connection c = db.vmDb.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      try {
        s.execute("SET LOCAL plan_cache_mode = " + planCacheMode);
        s.execute("PREPARE explained_claim(text, float8) AS " + parameterized);
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN EXECUTE explained_claim('desktop', 15)")) {
          while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
          }
        }
        return plan.toString();
      } finally {
        c.rollback();
        s.execute("DEALLOCATE explained_claim");  // a prepared statement outlives its transaction
        c.commit();
      }
    }
  }
}
