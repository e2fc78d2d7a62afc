package io.shardbroker.store;

import static io.shardbroker.store.TestData.PASSWORD;
import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.dedicated;
import static io.shardbroker.store.TestData.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * User and group names are letters of any one script ({@link PrincipalNames}): accents and scripts
 * are stored and read back exactly and work as filters; quotes and SQL are refused as names and stay
 * data everywhere else (display names, descriptions, lookups), because no input ever becomes SQL.
 */
interface NamesContract extends StoreFixture {

  List<String> NAMES = List.of(
      "o.brien",
      "Zoë",
      "日本語",
      "Иван_2",
      "100_wild_",
      "Åsa-Ñúñez-Ølsen");

  List<String> SQL = List.of("'; DROP TABLE users; --", "Robert\"); --", "x' OR '1'='1");

  @Test
  default void awkwardNamesAreStoredAndReadBackExactly() {
    store().pools().create(dedicated("lab"), ADMIN);
    for (String name : NAMES) {
      String display = "Display of " + name;
      store().accounts().createGroup(name, "Group " + name, ADMIN);
      store().accounts().createUser(new User.New(name, display, PASSWORD + name, true, List.of(name)), ADMIN);
    }
    for (String name : NAMES) {
      User user = store().accounts().user(name).orElseThrow();
      assertThat(user.name()).isEqualTo(name);
      assertThat(user.displayName()).isEqualTo("Display of " + name);
      assertThat(user.groups()).containsExactly(name);
      assertThat(store().accounts().group(name).orElseThrow().description()).isEqualTo("Group " + name);
      assertThat(store().accounts().verify(name, PASSWORD + name)).isPresent();
    }
    assertThat(store().accounts().users()).extracting(User::name).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(store().accounts().groups()).extracting(Group::name).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(store().accounts().user("Zoe")).isEmpty();
    assertThat(store().accounts().user("zoë")).isEmpty();
  }

  @Test
  default void awkwardNamesWorkAsFilters() {
    store().pools().create(dedicated("lab"), ADMIN);
    for (int i = 0; i < NAMES.size(); i++) {
      String name = NAMES.get(i);
      store().accounts().createUser(new User.New(name, null, PASSWORD, true, List.of()), ADMIN);
      store().entitlements().create("lab", Entitlement.Principal.user(name), ADMIN);
      store().assignments().assign("lab", name, "vm-" + name, ADMIN);
      store().maintenance().drain("vm-" + name, "reason of " + name, new Actor(name, "broker-1"));
      store().history().record(new SessionEvent(0, clock().instant(), SessionEvent.Kind.START, name, "lab",
          "vm-" + name, "s-" + i, "broker-1", "r-" + i, name));
    }
    store().history().flush();

    for (String name : NAMES) {
      assertThat(store().entitlements().list(null, name, null))
          .extracting(e -> e.principal().name()).containsExactly(name);
      assertThat(store().entitlements().entitledPool(name, "lab")).isPresent();
      assertThat(store().entitlements().poolsOf(name)).extracting(Pool::name).containsExactly("lab");
      assertThat(store().assignments().list(null, name)).extracting(Assignment::vmId).containsExactly("vm-" + name);
      assertThat(store().assignments().of("lab", name)).map(Assignment::vmId).contains("vm-" + name);
      assertThat(store().assignments().assignedAmong(List.of("vm-" + name, "vm-none"))).containsExactly("vm-" + name);
      assertThat(audit(store(), null, null, name)).extracting(AuditEntry::action).containsExactly("user.create");
      assertThat(audit(store(), name, null, null)).extracting(AuditEntry::target).containsExactly("vm-" + name);
      assertThat(history(store(), new SessionEvent.Query(name, null, null, null, null, null, null)))
          .extracting(SessionEvent::user, SessionEvent::detail)
          .containsExactly(tuple(name, name));
      assertThat(history(store(), new SessionEvent.Query(null, null, "vm-" + name, null, null, null, null))).hasSize(1);
    }
    assertThat(store().maintenance().vmIds()).hasSize(NAMES.size()).contains("vm-o.brien");
  }

  @Test
  default void sqlInNamesStaysData() throws Exception {
    for (String sql : SQL) {
      assertFails(Reason.BAD_REQUEST, "name", () -> store().accounts().createUser(
          new User.New(sql, null, PASSWORD, true, List.of()), ADMIN));
      assertFails(Reason.BAD_REQUEST, "name", () -> store().accounts().createGroup(sql, sql, ADMIN));
    }
    for (String name : NAMES) {
      store().accounts().createUser(new User.New(name, SQL.get(0), PASSWORD, true, List.of()), ADMIN);
    }
    assertFails(Reason.NOT_FOUND, "user", () -> store().accounts().deleteUser("x' OR '1'='1", ADMIN));
    assertThat(store().accounts().verify("x' OR '1'='1", PASSWORD)).isEmpty();
    assertThat(store().accounts().user("o.brien").orElseThrow().displayName()).isEqualTo(SQL.get(0));
    store().accounts().deleteUser("o.brien", ADMIN);
    try (Connection c = connect(settings()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM users")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(NAMES.size() - 1);
    }
  }

  @Test
  default void poolNamesAreIdentifiersSoSqlCannotBeOne() {
    for (String name : List.of("x'; DROP TABLE pools; --", "Robert\"); --", "Zoë", "a b")) {
      assertFails(Reason.BAD_REQUEST, "name", () -> store().pools().create(dedicated(name), ADMIN));
    }
    assertThat(store().pools().find("x' OR '1'='1")).isEmpty();
  }

  @Test
  default void wildcardsInAFilterAreNotWildcards() {
    store().accounts().createUser(new User.New("alice", null, PASSWORD, true, List.of()), ADMIN);
    assertThat(audit(store(), null, "%", null)).isEmpty();
    assertThat(audit(store(), null, "user_", null)).isEmpty();
    assertThat(audit(store(), null, "user.", null)).hasSize(1);
    assertThat(audit(store(), null, null, "%")).isEmpty();
    assertThat(TestData.history(store(), new SessionEvent.Query("%", null, null, null, null, null, null))).isEmpty();
  }
}
