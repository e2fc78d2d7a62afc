package io.shardbroker.store;

import static io.shardbroker.store.TestData.audit;
import static io.shardbroker.store.TestData.floating;
import static io.shardbroker.store.TestData.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit log: filters, keyset pages, and an entry only for a change that happened. */
interface AuditContract extends StoreFixture {

  @Test
  default void entriesAreFoundByActorActionPrefixTargetAndTime() {
    Instant start = clock().instant();
    Actor ops = new Actor("ops", "broker-2");
    store().pools().create(floating("desktops"), ADMIN);
    clock().advance(Duration.ofMinutes(1));
    store().pools().update("desktops", new Pool.Change("Desktops", null, null, null), ops);
    store().accounts().createGroup("staff", null, ops);
    clock().advance(Duration.ofMinutes(1));
    store().accounts().createUser(user("alice"), ADMIN);
    store().accounts().addMember("staff", "alice", ADMIN);

    AuditLog log = store().audit();
    assertThat(query(log, "ops", null, null, null, null)).extracting(AuditEntry::action)
        .containsExactly("group.create", "pool.update");
    assertThat(query(log, null, "pool.", null, null, null)).extracting(AuditEntry::action)
        .containsExactly("pool.update", "pool.create");
    assertThat(query(log, null, "group", null, null, null)).extracting(AuditEntry::action)
        .containsExactly("group.member.add", "group.create");
    assertThat(query(log, null, null, "staff", null, null)).extracting(AuditEntry::action)
        .containsExactly("group.member.add", "group.create");
    assertThat(query(log, null, null, null, start.plusSeconds(60), null)).hasSize(4);
    assertThat(query(log, null, null, null, start.plusSeconds(60), start.plusSeconds(120)))
        .extracting(AuditEntry::action).containsExactly("group.create", "pool.update");
    assertThat(query(log, null, null, null, null, start.plusSeconds(60)))
        .extracting(AuditEntry::action).containsExactly("pool.create");
    assertThat(query(log, "ADMIN", null, null, null, null)).isEmpty();

    AuditEntry update = query(log, null, "pool.update", null, null, null).get(0);
    assertThat(update.at()).isEqualTo(start.plusSeconds(60));
    assertThat(update.actor()).isEqualTo("ops");
    assertThat(update.broker()).isEqualTo("broker-2");
  }

  @Test
  default void pagesAreNewestFirstAndKeyed() {
    for (int i = 0; i < 7; i++) {
      store().accounts().createGroup("g" + i, null, ADMIN);
    }
    Page<AuditEntry> first = store().audit().query(new AuditEntry.Query(null, null, null, null, null, PageRequest.first(3)));
    assertThat(first.items()).extracting(AuditEntry::target).containsExactly("g6", "g5", "g4");
    // A change between two pages does not shift the next page.
    store().accounts().createGroup("late", null, ADMIN);
    Page<AuditEntry> second = store().audit().query(
        new AuditEntry.Query(null, null, null, null, null, new PageRequest(3, first.nextBefore())));
    assertThat(second.items()).extracting(AuditEntry::target).containsExactly("g3", "g2", "g1");
    Page<AuditEntry> last = store().audit().query(
        new AuditEntry.Query(null, null, null, null, null, new PageRequest(3, second.nextBefore())));
    assertThat(last.items()).extracting(AuditEntry::target).containsExactly("g0");
    assertThat(last.nextBefore()).isNull();
    assertThat(store().audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items()).hasSize(8);
  }

  @Test
  default void aChangeThatFailsLeavesNoEntry() {
    store().accounts().createUser(user("alice"), ADMIN);
    TestData.failure(() -> store().accounts().createUser(user("bob", "no-such-group"), ADMIN));
    TestData.failure(() -> store().accounts().createUser(user("alice"), ADMIN));
    TestData.failure(() -> store().pools().delete("nope", ADMIN));
    assertThat(audit(store())).extracting(AuditEntry::target).containsExactly("alice");
  }

  private static List<AuditEntry> query(AuditLog log, String actor, String action, String target,
      Instant since, Instant until) {
    return log.query(new AuditEntry.Query(actor, action, target, since, until, PageRequest.first(100))).items();
  }
}
