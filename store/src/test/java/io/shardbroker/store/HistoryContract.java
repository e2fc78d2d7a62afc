package io.shardbroker.store;

import static io.shardbroker.store.TestData.allEvents;
import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.SessionEvent.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Session history: queued, written in batches, read newest first in keyset pages, never lost. */
interface HistoryContract extends StoreFixture {

  int MANY = 2_500;

  /** Event {@code i}: users, pools and VMs cycle through 3, 2 and 5 values; one second apart. */
  private SessionEvent event(Instant start, int i) {
    Kind kind = Kind.values()[i % Kind.values().length];
    return new SessionEvent(0, start.plusSeconds(i), kind, "user" + i % 3, "pool" + i % 2, "vm-" + i % 5,
        "s-" + i, "broker-" + i % 2, "r-" + i, kind == Kind.REFUSAL ? "pool_exhausted" : "detail " + i);
  }

  private void recordMany(Store store, Instant start, int count) {
    for (int i = 0; i < count; i++) {
      store.history().record(event(start, i));
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void aSessionEndsOnceInTheHistoryHoweverManyReportIt() {
    Instant at = clock().instant();
    store().history().record(new SessionEvent(0, at, Kind.START, "bob", "linux", "vm-1", "s-1", "b1", "r-1", null));
    // every set reports the end, and two brokers write what they hear, in one batch and in later ones
    for (String broker : List.of("b1", "b2", "b1")) {
      store().history().record(new SessionEvent(0, at.plusSeconds(5), Kind.END, "bob", "linux", "vm-1", "s-1",
          broker, null, "logged_off"));
    }
    store().history().flush();
    store().history().record(new SessionEvent(0, at.plusSeconds(6), Kind.END, "bob", "linux", "vm-1", "s-1",
        "b2", null, "logged_off"));
    store().history().record(new SessionEvent(0, at.plusSeconds(7), Kind.END, "bob", "linux", "vm-2", "s-2",
        "b2", null, "idle"));
    store().history().flush();

    List<SessionEvent> all = history(store(), allEvents());
    assertThat(all).extracting(SessionEvent::kind, SessionEvent::sessionId, SessionEvent::detail).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Kind.END, "s-2", "idle"),
        org.assertj.core.groups.Tuple.tuple(Kind.END, "s-1", "logged_off"),
        org.assertj.core.groups.Tuple.tuple(Kind.START, "s-1", null));
    assertThat(store().history().dropped()).as("a second end is not a loss").isZero();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void everyRecordedEventIsWrittenByFlushAndReadBackNewestFirst() {
    Instant start = clock().instant();
    recordMany(store(), start, MANY);
    store().history().flush();

    List<SessionEvent> all = history(store(), allEvents());
    assertThat(all).hasSize(MANY);
    assertThat(all).extracting(SessionEvent::id).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    SessionEvent newest = all.get(0);
    assertThat(newest).isEqualTo(new SessionEvent(newest.id(), start.plusSeconds(MANY - 1), Kind.REFUSAL,
        "user0", "pool1", "vm-4", "s-2499", "broker-1", "r-2499", "pool_exhausted"));
    assertThat(all.get(MANY - 1).sessionId()).isEqualTo("s-0");
    assertThat(store().history().dropped()).isZero();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void pagesFollowEachOtherWithoutGapsOrRepeats() {
    recordMany(store(), clock().instant(), 250);
    store().history().flush();

    Set<Long> seen = new HashSet<>();
    List<Integer> sizes = new ArrayList<>();
    long previous = Long.MAX_VALUE;
    Long before = null;
    do {
      Page<SessionEvent> page = store().history().query(
          new SessionEvent.Query(null, null, null, null, null, null, new PageRequest(100, before)));
      for (SessionEvent e : page.items()) {
        assertThat(e.id()).isLessThan(previous);
        assertThat(seen.add(e.id())).isTrue();
        previous = e.id();
      }
      sizes.add(page.items().size());
      before = page.nextBefore();
      if (before != null) {
        assertThat(before).isEqualTo(previous);
      }
    } while (before != null);
    assertThat(sizes).containsExactly(100, 100, 50);

    Page<SessionEvent> exact = store().history().query(
        new SessionEvent.Query("user0", null, null, null, null, null, PageRequest.first(84)));
    assertThat(exact.items()).hasSize(84);
    assertThat(exact.nextBefore()).isNull();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void everyFilterSelectsItsEvents() {
    Instant start = clock().instant();
    recordMany(store(), start, 100);
    store().history().flush();

    assertThat(history(store(), new SessionEvent.Query("user1", null, null, null, null, null, null)))
        .hasSize(33).allSatisfy(e -> assertThat(e.user()).isEqualTo("user1"));
    assertThat(history(store(), new SessionEvent.Query(null, "pool1", null, null, null, null, null)))
        .hasSize(50).allSatisfy(e -> assertThat(e.pool()).isEqualTo("pool1"));
    assertThat(history(store(), new SessionEvent.Query(null, null, "vm-3", null, null, null, null)))
        .hasSize(20).allSatisfy(e -> assertThat(e.vmId()).isEqualTo("vm-3"));
    assertThat(history(store(), new SessionEvent.Query(null, null, null, Kind.REFUSAL, null, null, null)))
        .hasSize(25).allSatisfy(e -> assertThat(e.detail()).isEqualTo("pool_exhausted"));
    assertThat(history(store(), new SessionEvent.Query(null, null, null, null, start.plusSeconds(90), null, null)))
        .extracting(SessionEvent::sessionId).hasSize(10).endsWith("s-90");
    assertThat(history(store(), new SessionEvent.Query(null, null, null, null, null, start.plusSeconds(10), null)))
        .extracting(SessionEvent::sessionId).hasSize(10).startsWith("s-9");
    assertThat(history(store(), new SessionEvent.Query("user0", "pool0", "vm-0", Kind.START,
        start.plusSeconds(1), start.plusSeconds(61), null)))
        .extracting(SessionEvent::sessionId).containsExactly("s-60");
    assertThat(history(store(), new SessionEvent.Query("nobody", null, null, null, null, null, null))).isEmpty();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void closingWithoutFlushLosesNothing() {
    StoreSettings settings = settings();
    Store first = open(settings);
    recordMany(first, clock().instant(), 1_500);
    first.close();

    assertThat(history(store(), allEvents())).hasSize(1_500);
    first.history().record(event(clock().instant(), 1));
    assertThat(first.history().dropped()).isEqualTo(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void aDatabaseOutageDelaysHistoryButLosesNothing() throws Exception {
    Logger writerLog = (Logger) LoggerFactory.getLogger(HistoryWriter.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    writerLog.addAppender(logged);
    try {
      execute("ALTER TABLE session_events RENAME TO session_events_away");
      recordMany(store(), clock().instant(), 10);
      await().atMost(Duration.ofSeconds(30)).until(() -> List.copyOf(logged.list).stream()
          .anyMatch(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("cannot be written now")));

      execute("ALTER TABLE session_events_away RENAME TO session_events");
      store().history().flush();

      assertThat(history(store(), allEvents())).hasSize(10);
      assertThat(store().history().dropped()).isZero();
      assertThat(List.copyOf(logged.list)).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
    } finally {
      writerLog.detachAppender(logged);
    }
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = connect(settings()); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  default void oddTextIsFittedNotLostAndEventsNeedAKind() {
    String longDetail = "d".repeat(5_000);
    store().history().record(new SessionEvent(0, null, Kind.END, "nul\0user", null, null, null, null, null, longDetail));
    assertFails(Reason.BAD_REQUEST, "kind", () -> store().history().record(
        new SessionEvent(0, clock().instant(), null, "u", null, null, null, null, null, null)));
    store().history().flush();

    SessionEvent only = history(store(), allEvents()).get(0);
    assertThat(only.user()).isEqualTo("nul\uFFFDuser");
    assertThat(only.detail()).isEqualTo("d".repeat(1024));
    assertThat(only.at()).isEqualTo(clock().instant());
    assertThat(only.pool()).isNull();
    clock().advance(Duration.ofSeconds(1));
  }
}
