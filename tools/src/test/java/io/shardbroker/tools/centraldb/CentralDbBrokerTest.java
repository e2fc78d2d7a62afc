package io.shardbroker.tools.centraldb;

import static io.shardbroker.tools.centraldb.TestDatabase.PASSWORD;
import static io.shardbroker.tools.centraldb.TestDatabase.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The central-db broker over real HTTP, on a real PostgreSQL. */
@Timeout(30)
class CentralDbBrokerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SILENCE = Duration.ofSeconds(15);
  private static TestDatabase db;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private CentralDbBroker broker;
  private String base;

  @BeforeAll
  static void openDatabase() {
    db = TestDatabase.open();
  }

  @AfterAll
  static void closeDatabase() {
    db.close();
  }

  @BeforeEach
  void startBroker() {
    db.reset();
    broker = new CentralDbBroker(db.store, db.vmDb, "127.0.0.1", 0, SILENCE, Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + broker.port();
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  // ---- claiming ------------------------------------------------------------------------------

  @Test
  void handsOutEachSingleSessionVmOnceUnderConcurrency() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 150, 1, "desktop");

    List<HttpResponse<String>> answers = new ArrayList<>();
    try (ExecutorService users = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<HttpResponse<String>>> pending = new ArrayList<>();
      for (int i = 0; i < TestDatabase.USERS; i++) {
        String name = user(i);
        pending.add(users.submit(() -> open(name, PASSWORD, "{\"pool\":\"desktop\"}")));
      }
      for (Future<HttpResponse<String>> f : pending) {
        answers.add(f.get());
      }
    }

    List<JsonNode> started = new ArrayList<>();
    int exhausted = 0;
    for (HttpResponse<String> answer : answers) {
      JsonNode body = JSON.readTree(answer.body());
      if (answer.statusCode() == 201) {
        started.add(body);
        assertThat(body.get("reconnected").asBoolean()).isFalse();
        assertThat(body.get("pool").asText()).isEqualTo("desktop");
      } else {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(body.get("error").asText()).isEqualTo("pool_exhausted");
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
        exhausted++;
      }
    }
    assertThat(started).hasSize(150);
    assertThat(exhausted).isEqualTo(50);
    assertThat(started.stream().map(s -> s.get("vmId").asText()).distinct()).hasSize(150);
    assertThat(started.stream().map(s -> s.get("user").asText()).distinct()).hasSize(150);
    assertThat(db.number("SELECT count(*) FROM cdb_session")).isEqualTo(150);
    assertThat(db.number("SELECT count(DISTINCT vm_id) FROM cdb_session")).isEqualTo(150);
    assertThat(db.column("SELECT DISTINCT used FROM cdb_vm")).containsExactly("1");

    // Every start is followed by the agent's state write, counted with the brokerings' statements:
    // 150 x (find, claim, insert) + 50 x (find, claim) + 150 state writes.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        db.number("SELECT sum(state_sequence) FROM cdb_vm") == 150);
    JsonNode counters = JSON.readTree(get("/api/v1/bench-counters").body());
    assertThat(counters.get("brokerings").asLong()).isEqualTo(200);
    assertThat(counters.get("statements").asLong()).isEqualTo(150 * 3 + 50 * 2 + 150);
    assertThat(counters.get("transactions").asLong()).isEqualTo(200 + 150);
    assertThat(broker.stateWritesDropped()).isZero();
  }

  @Test
  void aSecondRequestOfTheSameUserGetsTheSameSession() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 3, 1, "desktop");

    HttpResponse<String> first = open(user(7), PASSWORD, "{\"pool\":\"desktop\"}");
    HttpResponse<String> second = open(user(7), PASSWORD, "{\"pool\":\"desktop\", \"requestId\":\"r-2\"}");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(second.statusCode()).isEqualTo(200);
    JsonNode a = JSON.readTree(first.body());
    JsonNode b = JSON.readTree(second.body());
    assertThat(b.get("reconnected").asBoolean()).isTrue();
    for (String field : List.of("sessionId", "user", "pool", "vmId", "startedAt")) {
      assertThat(b.get(field).asText()).as(field).isEqualTo(a.get(field).asText());
    }
    assertThat(db.number("SELECT sum(used) FROM cdb_vm")).isEqualTo(1);
  }

  @Test
  void concurrentRequestsOfOneUserShareOneSession() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 20, 1, "desktop");

    List<HttpResponse<String>> answers = new ArrayList<>();
    try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<HttpResponse<String>>> pending = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        pending.add(requests.submit(() -> open(user(3), PASSWORD, "{\"pool\":\"desktop\"}")));
      }
      for (Future<HttpResponse<String>> f : pending) {
        answers.add(f.get());
      }
    }

    assertThat(answers).filteredOn(a -> a.statusCode() == 201).hasSize(1);
    assertThat(answers).filteredOn(a -> a.statusCode() == 200).hasSize(9);
    assertThat(answers.stream().map(a -> json(a.body()).get("sessionId").asText()).distinct())
        .hasSize(1);
    // The losers' claims were rolled back: one seat is taken.
    assertThat(db.number("SELECT sum(used) FROM cdb_vm")).isEqualTo(1);
  }

  @Test
  void multiSessionVmsFillTheLeastLoadedFirst() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "shared", 2, 2, "host");

    String firstVm = JSON.readTree(open(user(0), PASSWORD, "{\"pool\":\"shared\"}").body()).get("vmId").asText();
    String secondVm = JSON.readTree(open(user(1), PASSWORD, "{\"pool\":\"shared\"}").body()).get("vmId").asText();
    assertThat(secondVm).isNotEqualTo(firstVm);
    assertThat(open(user(2), PASSWORD, "{\"pool\":\"shared\"}").statusCode()).isEqualTo(201);
    assertThat(open(user(3), PASSWORD, "{\"pool\":\"shared\"}").statusCode()).isEqualTo(201);

    assertThat(db.column("SELECT used FROM cdb_vm")).containsExactly("2", "2");
    HttpResponse<String> fifth = open(user(4), PASSWORD, "{\"pool\":\"shared\"}");
    assertThat(fifth.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(fifth.body()).get("error").asText()).isEqualTo("pool_exhausted");
  }

  @Test
  void silentAndNonAcceptingVmsAreNotClaimedAndHeartbeatsBringThemBack() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 3, 1, "desktop");
    db.update("UPDATE cdb_vm SET last_heartbeat = now() - interval '1 hour' WHERE vm_id = 'desktop-000001'");
    db.update("UPDATE cdb_vm SET accepting = false WHERE vm_id = 'desktop-000003'");

    HttpResponse<String> first = open(user(0), PASSWORD, "{\"pool\":\"desktop\"}");
    assertThat(JSON.readTree(first.body()).get("vmId").asText()).isEqualTo("desktop-000002");
    assertThat(open(user(1), PASSWORD, "{\"pool\":\"desktop\"}").statusCode()).isEqualTo(503);

    // One round of the fleet's heartbeats, on a fake clock that is also its scheduler.
    FakeClock clock = new FakeClock();
    try (CentralDbFleet fleet = new CentralDbFleet(db.vmDb, CentralDbSchema.vmIds("desktop", 3),
        Duration.ofSeconds(5), 2, clock, clock).start()) {
      clock.advance(Duration.ofSeconds(4));
      assertThat(fleet.stats().heartbeats()).isEqualTo(3);
    }

    HttpResponse<String> revived = open(user(1), PASSWORD, "{\"pool\":\"desktop\"}");
    assertThat(revived.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(revived.body()).get("vmId").asText()).isEqualTo("desktop-000001");
    assertThat(open(user(2), PASSWORD, "{\"pool\":\"desktop\"}").statusCode()).isEqualTo(503);
  }

  // ---- refusals ------------------------------------------------------------------------------

  @Test
  void wrongOrMissingCredentialsAre401WithJson() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "desktop", 1, 1, "desktop");

    HttpResponse<String> wrong = open(user(0), "not-the-password", "{\"pool\":\"desktop\"}");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertError(wrong, "unauthorized");

    HttpResponse<String> unknown = open("nobody", PASSWORD, "{\"pool\":\"desktop\"}");
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertError(unknown, "unauthorized");

    HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"pool\":\"desktop\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    assertError(none, "unauthorized");
    assertThat(db.number("SELECT count(*) FROM cdb_session")).isZero();
  }

  @Test
  void aPoolTheUserMayNotUseIs403() throws Exception {
    CentralDbSchema.registerVms(db.vmDb, "other", 1, 1, "other");

    HttpResponse<String> notEntitled = open(user(0), PASSWORD, "{\"pool\":\"other\"}");
    assertThat(notEntitled.statusCode()).isEqualTo(403);
    assertError(notEntitled, "not_entitled");
    HttpResponse<String> noSuchPool = open(user(0), PASSWORD, "{\"pool\":\"nowhere\"}");
    assertThat(noSuchPool.statusCode()).isEqualTo(403);
    assertError(noSuchPool, "not_entitled");
    assertThat(db.number("SELECT sum(used) FROM cdb_vm")).isZero();
  }

  @Test
  void badBodiesAre400AndUnknownPathsAre404() throws Exception {
    for (String body : List.of("{not json", "", "[]", "{}", "{\"pool\": 5}", "{\"pool\": \" \"}")) {
      HttpResponse<String> answer = open(user(0), PASSWORD, body);
      assertThat(answer.statusCode()).as(body).isEqualTo(400);
      assertError(answer, "bad_request");
    }
    HttpResponse<String> unknown = get("/api/v1/nothing-here");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertError(unknown, "not_found");
    HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
        .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrongMethod.statusCode()).isIn(404, 405);
    assertThat(json(wrongMethod.body()).get("error").asText()).isIn("not_found", "method_not_allowed");

    // Requests Jetty refuses before any route: still the JSON shape.
    HttpResponse<String> nul = get("/api/v1/sessions%00x");
    assertThat(nul.statusCode()).isEqualTo(400);
    assertError(nul, "bad_request");
    HttpResponse<String> hugeHeader = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz"))
        .header("X-Padding", "x".repeat(64 * 1024)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(hugeHeader.statusCode()).isEqualTo(431);
    assertError(hugeHeader, "bad_request");
  }

  // ---- readiness -----------------------------------------------------------------------------

  @Test
  void readyWhileTheDatabaseAnswersAnd503WhenItIsGone() throws Exception {
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("ready");

    HikariDataSource gone = CentralDbSchema.openPool(db.url, null, null, 1);
    try (CentralDbBroker other = new CentralDbBroker(db.store, gone, "127.0.0.1", 0).start()) {
      gone.close();
      HttpResponse<String> notReady = http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.port() + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertError(notReady, "not_ready");

      HttpResponse<String> failed = open("http://127.0.0.1:" + other.port(), user(0), PASSWORD,
          "{\"pool\":\"desktop\"}");
      assertThat(failed.statusCode()).isEqualTo(503);
      assertThat(failed.headers().firstValue("Retry-After")).hasValue("5");
      assertError(failed, "store_unavailable");
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private HttpResponse<String> open(String user, String password, String body) throws Exception {
    return open(base, user, password, body);
  }

  private HttpResponse<String> open(String base, String user, String password, String body) throws Exception {
    String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The one error shape: JSON with a code and a message, and no stack trace. */
  private static void assertError(HttpResponse<String> answer, String code) throws Exception {
    assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    JsonNode body = JSON.readTree(answer.body());
    assertThat(body.get("error").asText()).isEqualTo(code);
    assertThat(body.get("message").asText()).isNotBlank();
    assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
