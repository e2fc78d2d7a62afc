package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.BROKER_ID;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.PageRequest;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.Store;
import io.shardbroker.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Session history: every start, reconnect, end and refusal becomes one event naming the user,
 * pool, VM, session, broker and request; admins query it with filters, newest first, a page at a
 * time. The store writes events in the background, so brokering never waits for the database,
 * and closing the store writes what is still queued.
 */
@Timeout(120)
class SessionHistoryTest {

  private static final String EVENTS = "/api/v1/admin/sessions";

  private TestBroker broker;
  private Api api;

  private void start(String storeUrl) throws Exception {
    broker = storeUrl == null ? TestBroker.start() : TestBroker.start(storeUrl);
    api = broker.api;
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void eachOutcomeIsOneEventNamingUserPoolVmSessionBrokerAndRequest() throws Exception {
    start(null);
    broker.a1.addVm("vm-1", "desktop", 1);

    Answer started = api.post("alice", "/api/v1/sessions", json("pool", "desktop", "requestId", "req-start"));
    String session = started.text("/sessionId");
    assertThat(started.status()).isEqualTo(201);
    assertThat(ask("bob", "POST", "/api/v1/sessions", json("pool", "desktop"), "req-full").status())
        .isEqualTo(503);
    assertThat(ask(ADMIN, "POST", "/api/v1/sessions", json("pool", "desktop"), "req-denied").status())
        .isEqualTo(403);
    assertThat(ask("alice", "POST", "/api/v1/sessions", json("pool", "desktop"), "req-again").status())
        .isEqualTo(200);
    assertThat(ask("alice", "DELETE", "/api/v1/sessions/" + session, null, "req-end").status())
        .isEqualTo(204);
    broker.store.history().flush();

    JsonNode events = api.get(ADMIN, EVENTS).json().get("events");
    Map<String, JsonNode> byRequest = new HashMap<>();
    for (JsonNode e : events) {
      assertThat(byRequest.put(e.get("requestId").asText(), e)).as("one event per request").isNull();
      assertThat(e.get("broker").asText()).isEqualTo(BROKER_ID);
      assertThat(e.get("at").asText()).isEqualTo(broker.clock.instant().toString());
    }
    assertThat(byRequest).containsOnlyKeys("req-start", "req-full", "req-denied", "req-again", "req-end");
    assertEvent(byRequest.get("req-start"), "start", "alice", "desktop", "vm-1", session, null);
    assertEvent(byRequest.get("req-again"), "reconnect", "alice", "desktop", "vm-1", session, null);
    assertEvent(byRequest.get("req-end"), "end", "alice", "desktop", "vm-1", session, "requested");
    assertEvent(byRequest.get("req-full"), "refusal", "bob", "desktop", null, null, "pool_exhausted");
    assertEvent(byRequest.get("req-denied"), "refusal", ADMIN, "desktop", null, null, "not_entitled");
  }

  @Test
  void adminsFilterTheHistoryAndPageThroughItWithoutGapsOrRepeats() throws Exception {
    start(null);
    broker.a1.addVm("host-1", "shared", 100);
    // alice starts once then reconnects; bob is refused a pool he may not use; carol one with no VM.
    List<Done> done = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      Instant at = broker.clock.instant();
      switch (i % 3) {
        case 0 -> done.add(new Done("alice", "shared", i == 0 ? "start" : "reconnect", at,
            api.openSession("alice", "shared")));
        case 1 -> done.add(new Done("bob", "nope", "refusal", at, api.openSession("bob", "nope")));
        default -> done.add(new Done("carol", "desktop", "refusal", at, api.openSession("carol", "desktop")));
      }
      broker.clock.advance(Duration.ofMinutes(1));
    }
    broker.store.history().flush();
    Instant t6 = done.get(6).at();
    Instant t15 = done.get(15).at();

    assertThat(users(query("?user=bob"))).hasSize(8).containsOnly("bob");
    assertThat(query("?user=bob&limit=100")).extracting(e -> e.get("detail").asText())
        .containsOnly("not_entitled");
    assertThat(query("?pool=desktop")).hasSize(8).extracting(e -> e.get("detail").asText())
        .containsOnly("pool_exhausted");
    assertThat(users(query("?vmId=host-1"))).hasSize(8).containsOnly("alice");
    assertThat(query("?event=start")).hasSize(1);
    assertThat(users(query("?event=reconnect"))).hasSize(7).containsOnly("alice");
    assertThat(users(query("?event=refusal&user=carol"))).hasSize(8).containsOnly("carol");
    List<JsonNode> window = query("?since=" + t6 + "&until=" + t15);
    assertThat(window).extracting(e -> Instant.parse(e.get("at").asText()))
        .hasSize(9).allMatch(at -> !at.isBefore(t6) && at.isBefore(t15));
    assertThat(window).extracting(e -> e.get("user").asText()).containsExactlyElementsOf(
        done.subList(6, 15).reversed().stream().map(Done::user).toList());

    List<Long> all = ids(query("?limit=1000"));
    assertThat(all).hasSize(24).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    assertThat(pageThrough("", 5)).containsExactlyElementsOf(all);
    assertThat(pageThrough("&user=carol", 3)).containsExactlyElementsOf(ids(query("?user=carol")));
  }

  @Test
  void pagesStayRightWhileNewEventsArrive() throws Exception {
    start(null);
    for (int i = 0; i < 6; i++) {
      api.openSession("bob", "nope");
    }
    broker.store.history().flush();
    JsonNode first = api.get(ADMIN, EVENTS + "?limit=4").json();
    assertThat(first.get("events")).hasSize(4);

    api.openSession("bob", "nope");  // newer than every page already read
    broker.store.history().flush();

    JsonNode second = api.get(ADMIN, EVENTS + "?limit=4&before=" + first.get("nextBefore").asLong()).json();
    assertThat(second.get("events")).hasSize(2);
    assertThat(second.get("nextBefore").isNull()).isTrue();
    Set<Long> seen = new HashSet<>(ids(first.get("events")));
    assertThat(ids(second.get("events"))).allMatch(id -> id < first.get("nextBefore").asLong())
        .noneMatch(seen::contains);
  }

  @Test
  void badQueriesAre400NamingTheParameter() throws Exception {
    start(null);
    assertThat(assertError(api.get(ADMIN, EVENTS + "?event=bogus"), 400, "bad_request").get("field").asText())
        .isEqualTo("event");
    assertThat(assertError(api.get(ADMIN, EVENTS + "?limit=0"), 400, "bad_request").get("field").asText())
        .isEqualTo("limit");
    assertThat(assertError(api.get(ADMIN, EVENTS + "?limit=1001"), 400, "bad_request").get("field").asText())
        .isEqualTo("limit");
    assertThat(assertError(api.get(ADMIN, EVENTS + "?since=yesterday"), 400, "bad_request").get("field").asText())
        .isEqualTo("since");
    assertThat(assertError(api.get(ADMIN, EVENTS + "?until=2026-13-01"), 400, "bad_request").get("field").asText())
        .isEqualTo("until");
    assertThat(assertError(api.get(ADMIN, EVENTS + "?before=abc"), 400, "bad_request").get("field").asText())
        .isEqualTo("before");
  }

  /**
   * With the event table locked against inserts, brokering still answers: recording an event only
   * queues it. (If it wrote synchronously, the request would hang until the lock goes.)
   */
  @Test
  void brokeringDoesNotWaitForTheDatabase() throws Exception {
    start(TestPostgres.newDatabase());
    broker.a1.addVm("vm-1", "desktop", 1);
    api.get("alice", "/api/v1/me");  // signed in before the lock

    try (Connection lock = lockEventsAgainstInserts()) {
      Answer started = api.post("alice", "/api/v1/sessions", json("pool", "desktop", "requestId", "while-locked"));
      assertThat(started.status()).isEqualTo(201);
      assertThat(eventsIn(broker.store)).isEmpty();
      lock.rollback();
    }

    broker.store.history().flush();
    assertThat(eventsIn(broker.store)).extracting(SessionEvent::requestId).containsExactly("while-locked");
  }

  /** Events still queued when the broker stops are written when its store closes. */
  @Test
  void closingTheStoreAfterTheBrokerLosesNoEvent() throws Exception {
    start(TestPostgres.newDatabase());
    broker.a1.addVm("vm-1", "desktop", 1);
    api.get("alice", "/api/v1/me");
    api.get("bob", "/api/v1/me");

    CompletableFuture<Void> closing;
    try (Connection lock = lockEventsAgainstInserts()) {
      assertThat(api.post("alice", "/api/v1/sessions", json("pool", "desktop", "requestId", "start-0")).status())
          .isEqualTo(201);
      for (int i = 0; i < 40; i++) {
        api.post("bob", "/api/v1/sessions", json("pool", "nope", "requestId", "refused-" + i));
      }
      broker.stopBrokers();
      closing = CompletableFuture.runAsync(broker.store::close);
      lock.rollback();
    }
    closing.join();
    assertThat(broker.store.history().dropped()).isZero();

    Store reopened = broker.openStore(broker.storeUrl);
    List<SessionEvent> events = eventsIn(reopened);
    assertThat(events).hasSize(41);
    assertThat(events).extracting(SessionEvent::requestId).doesNotHaveDuplicates()
        .contains("start-0", "refused-39");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private record Done(String user, String pool, String event, Instant at, Answer answer) {}

  private Answer ask(String user, String method, String path, String body, String requestId) {
    return api.send(user, PASSWORD, method, path, body, requestId);
  }

  private static void assertEvent(
      JsonNode e, String event, String user, String pool, String vmId, String sessionId, String detail) {
    assertThat(e.get("event").asText()).isEqualTo(event);
    assertThat(e.get("user").asText()).isEqualTo(user);
    assertThat(e.get("pool").asText()).isEqualTo(pool);
    assertThat(text(e, "vmId")).isEqualTo(vmId);
    assertThat(text(e, "sessionId")).isEqualTo(sessionId);
    assertThat(text(e, "detail")).isEqualTo(detail);
    assertThat(e.get("id").asLong()).isPositive();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private List<JsonNode> query(String query) {
    Answer answer = api.get(ADMIN, EVENTS + query);
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    answer.json().get("events").forEach(events::add);
    return events;
  }

  /** Every event id, following {@code nextBefore} with {@code limit} a page. */
  private List<Long> pageThrough(String filter, int limit) {
    List<Long> ids = new ArrayList<>();
    Long before = null;
    for (int pages = 0; pages < 100; pages++) {
      JsonNode page = api.get(ADMIN, EVENTS + "?limit=" + limit + filter
          + (before == null ? "" : "&before=" + before)).json();
      List<Long> got = ids(page.get("events"));
      assertThat(got.size()).isLessThanOrEqualTo(limit);
      ids.addAll(got);
      JsonNode next = page.get("nextBefore");
      if (next == null || next.isNull()) {
        return ids;
      }
      assertThat(got).hasSize(limit);
      before = next.asLong();
    }
    throw new AssertionError("paging did not end: " + ids);
  }

  private static List<Long> ids(Iterable<JsonNode> events) {
    List<Long> ids = new ArrayList<>();
    events.forEach(e -> ids.add(e.get("id").asLong()));
    return ids;
  }

  private static List<String> users(List<JsonNode> events) {
    return events.stream().map(e -> e.get("user").asText()).toList();
  }

  private static List<SessionEvent> eventsIn(Store store) {
    return store.history().query(new SessionEvent.Query(null, null, null, null, null, null,
        PageRequest.first(PageRequest.LIMIT_MAX))).items();
  }

  /** A transaction that holds a lock on the event table that every insert waits for (reads do not). */
  private Connection lockEventsAgainstInserts() throws Exception {
    Connection c = DriverManager.getConnection(broker.storeUrl);
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("LOCK TABLE session_events IN EXCLUSIVE MODE");
    }
    return c;
  }
}
