package io.shardbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestPostgresTest {

  @Test
  void eachCallGetsAnEmptyDatabaseOfItsOwn() throws Exception {
    String first = TestPostgres.newDatabase();
    String second = TestPostgres.newDatabase();
    assertThat(first).isNotEqualTo(second).startsWith("jdbc:postgresql://");

    try (Connection c = DriverManager.getConnection(first);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE only_here (id INT)");
    }
    try (Connection c = DriverManager.getConnection(second);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_here'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }
}
