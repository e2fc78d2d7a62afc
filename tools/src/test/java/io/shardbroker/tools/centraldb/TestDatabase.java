package io.shardbroker.tools.centraldb;

import com.zaxxer.hikari.HikariDataSource;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import io.shardbroker.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A fresh PostgreSQL database (real, embedded) with the store seeded and the VM tables created.
 * Users {@code user000} to {@code user199}, all with password {@value #PASSWORD}, are in group
 * {@code staff}, which may use {@code desktop} and {@code shared}; nobody may use {@code other}.
 */
final class TestDatabase implements AutoCloseable {

  static final String PASSWORD = "secret-pw";
  static final int USERS = 200;
  /** Argon2id's minimum cost: seeding 200 users takes moments. */
  static final PasswordHashing CHEAP = new PasswordHashing(8, 1, 1);

  final String url;
  final Store store;
  final HikariDataSource vmDb;

  private TestDatabase() {
    url = TestPostgres.newDatabase();
    store = Store.open(StoreSettings.of(url, null, null).withPasswordHashing(CHEAP), Clock.systemUTC());
    store.apply(seed(), new Actor("seed", "test"));
    vmDb = CentralDbSchema.openPool(url, null, null, 16);
    CentralDbSchema.create(vmDb);
  }

  static TestDatabase open() {
    return new TestDatabase();
  }

  static String user(int i) {
    return String.format(Locale.ROOT, "user%03d", i);
  }

  /** Empties the VM tables. */
  void reset() {
    update("TRUNCATE cdb_vm, cdb_session");
  }

  int update(String sql) {
    try (Connection c = vmDb.getConnection(); Statement s = c.createStatement()) {
      return s.executeUpdate(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of every row, as text. */
  List<String> column(String sql) {
    try (Connection c = vmDb.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  long number(String sql) {
    return Long.parseLong(column(sql).getFirst());
  }

  @Override
  public void close() {
    vmDb.close();
    store.close();
  }

  private static Seed seed() {
    List<User.New> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add(new User.New(user(i), user(i), PASSWORD, true, List.of("staff")));
    }
    return new Seed(
        List.of(new Pool("desktop", "Desktops", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
            new Pool("shared", "Shared hosts", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true),
            new Pool("other", "Nobody's", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true)),
        List.of(new Group("staff", "", List.of()), new Group(Group.ADMINS, "", List.of())),
        users,
        List.of(new Seed.SeedEntitlement("desktop", null, "staff"),
            new Seed.SeedEntitlement("shared", null, "staff")));
  }
}
