package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.protocol.v1.SessionPolicy;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Store;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The broker's HTTP API against fake concentrators over in-process gRPC: how it chooses, falls
 * back, reconnects, and answers bad input. Sets: a = {a1, a2}, b = {b1, b2}.
 */
@Timeout(30)
class BrokerApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PASSWORD = TestBroker.PASSWORD;

  private final FakeClock clock = new FakeClock();
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeConcentrator a1;
  private FakeConcentrator a2;
  private FakeConcentrator b1;
  private FakeConcentrator b2;
  private Store store;
  private BrokerServer broker;
  private String base;

  @BeforeEach
  void start() throws IOException {
    a1 = new FakeConcentrator("a1", "a");
    a2 = new FakeConcentrator("a2", "a");
    b1 = new FakeConcentrator("b1", "b");
    b2 = new FakeConcentrator("b2", "b");
    TestBroker.TwoSets started = TestBroker.TwoSets.start(a1, a2, b1, b2, clock, meters, Duration.ofSeconds(6));
    broker = started.broker();
    store = started.store();
    base = "http://127.0.0.1:" + broker.port();
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
    if (store != null) {
      store.close();
    }
    for (FakeConcentrator c : List.of(a1, a2, b1, b2)) {
      c.close();
    }
  }

  // ---- choosing ------------------------------------------------------------------------------

  @Test
  void startsOnTheLeastLoadedCandidateOfTheSet() throws Exception {
    String user = TestBroker.userAtHome("a");
    FakeConcentrator.Vm busy = a1.addVm("host-1", "shared", 8);
    for (int i = 0; i < 5; i++) {
      a1.addSession("host-1", "old-" + i, "someone-" + i);
    }
    a2.addVm("host-2", "shared", 8);
    a2.addSession("host-2", "old-x", "someone-x");

    HttpResponse<String> response = post(user, "{\"pool\": \"shared\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("vmId").asText()).isEqualTo("host-2");
    assertThat(body.get("set").asText()).isEqualTo("a");
    assertThat(body.get("concentrator").asText()).isEqualTo("a2");
    assertThat(body.get("reconnected").asBoolean()).isFalse();
    assertThat(body.get("user").asText()).isEqualTo(user);
    assertThat(body.get("pool").asText()).isEqualTo("shared");
    assertThat(body.at("/connection/protocol").asText()).isEqualTo("rdp");
    assertThat(body.at("/connection/port").asInt()).isEqualTo(3389);
    assertThat(busy.sessions).hasSize(5);
  }

  @Test
  void aRefusedStartMovesOnToTheNextCandidate() throws Exception {
    String user = TestBroker.userAtHome("a");
    a1.addVm("vm-1", "shared", 2).refuses = true;
    a2.addVm("vm-2", "shared", 2).refuses = true;
    a2.addVm("vm-3", "shared", 2);
    a2.addSession("vm-3", "earlier", "someone");  // more loaded: tried last

    HttpResponse<String> response = post(user, "{\"pool\": \"shared\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(response.body()).get("vmId").asText()).isEqualTo("vm-3");
    List<String> tried = new ArrayList<>(a1.startsTried);
    tried.addAll(a2.startsTried);
    assertThat(tried).containsExactlyInAnyOrder("vm-1", "vm-2", "vm-3");
    assertThat(meters.scrape()).contains("shardbroker_broker_refused_starts_total");
  }

  @Test
  void aStartCarriesItsPoolsLogoffLimitsAndNoPolicyWhenThePoolHasNone() throws Exception {
    String user = TestBroker.userAtHome("a");
    a1.addVm("vm-1", "desktop", 1);
    a1.addVm("host-1", "shared", 4);
    store.pools().update("shared", new Pool.Change(null, null, null, null,
        Duration.ofHours(1), Duration.ofMinutes(15)), new Actor("root", "test"));

    assertThat(post(user, "{\"pool\": \"desktop\"}").statusCode()).isEqualTo(201);
    assertThat(post(user, "{\"pool\": \"shared\"}").statusCode()).isEqualTo(201);
    store.pools().update("shared", new Pool.Change(null, null, null, null, Pool.Change.NEVER, null),
        new Actor("root", "test"));
    assertThat(post(user, "{\"pool\": \"shared\"}").statusCode()).as("a reconnect").isEqualTo(200);

    assertThat(a1.starts).extracting(FakeConcentrator.StartCall::pool, FakeConcentrator.StartCall::policy)
        .containsExactly(
            tuple("desktop", null),
            tuple("shared", SessionPolicy.newBuilder().setIdleLogoffAfterS(3600).setDisconnectedLogoffAfterS(900)
                .build()),
            tuple("shared", SessionPolicy.newBuilder().setDisconnectedLogoffAfterS(900).build()));
  }

  @Test
  void aDeadHomeSetFallsBackToTheOtherSetWithoutAClientError() throws Exception {
    String user = TestBroker.userAtHome("a");
    a1.unavailable = true;
    a2.unavailable = true;
    b2.addVm("vm-b", "desktop", 1);

    HttpResponse<String> response = post(user, "{\"pool\": \"desktop\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("set").asText()).isEqualTo("b");
    assertThat(body.get("vmId").asText()).isEqualTo("vm-b");
    assertThat(meters.scrape()).contains("shardbroker_broker_set_fallbacks_total 1.0");
  }

  @Test
  void aHomeSetWithNothingFreeFallsBackToTheOtherSet() throws Exception {
    String user = TestBroker.userAtHome("b");
    b1.addVm("vm-full", "desktop", 1).refuses = true;
    a1.addVm("vm-free", "desktop", 1);

    HttpResponse<String> response = post(user, "{\"pool\": \"desktop\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(response.body()).get("set").asText()).isEqualTo("a");
  }

  @Test
  void noReachableSetIsA503ThatSaysSo() throws Exception {
    for (FakeConcentrator c : List.of(a1, a2, b1, b2)) {
      c.unavailable = true;
    }

    HttpResponse<String> response = post("alice", "{\"pool\": \"desktop\"}");

    assertError(response, 503, "no_set_reachable");
    assertThat(response.headers().firstValue("Retry-After")).contains("7");
  }

  @Test
  void anExhaustedPoolIsA503WithRetryAfter() throws Exception {
    a1.addVm("vm-1", "desktop", 1);
    a1.addSession("vm-1", "s-1", "someone");
    b1.addVm("vm-1", "desktop", 1);
    b1.addSession("vm-1", "s-1", "someone");

    HttpResponse<String> response = post("alice", "{\"pool\": \"desktop\"}");

    assertError(response, 503, "pool_exhausted");
    assertThat(response.headers().firstValue("Retry-After")).contains("7");
    assertThat(a1.startsTried).isEmpty();
  }

  @Test
  void aUserWithASessionInThePoolGetsItBackInsteadOfASecondOne() throws Exception {
    String user = TestBroker.userAtHome("a");
    a2.addVm("vm-7", "desktop", 1);
    a2.addSession("vm-7", "their-session", user);
    a1.addVm("vm-8", "desktop", 1);

    HttpResponse<String> response = post(user, "{\"pool\": \"desktop\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("sessionId").asText()).isEqualTo("their-session");
    assertThat(body.get("vmId").asText()).isEqualTo("vm-7");
    assertThat(body.get("reconnected").asBoolean()).isTrue();
    // the only start asked for is the reconnect's own, at the session's VM (for a fresh ticket)
    assertThat(a1.startsTried).containsOnly("vm-7");
    assertThat(a2.startsTried).containsOnly("vm-7");
    assertThat(a1.sessionsOn("vm-8")).isZero();
  }

  @Test
  void concurrentRequestsOfOneUserEndInOneSession() throws Exception {
    String user = TestBroker.userAtHome("a");
    for (int i = 0; i < 10; i++) {
      (i % 2 == 0 ? a1 : a2).addVm("vm-" + i, "desktop", 1);
    }
    List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 20)
        .mapToObj(i -> http.sendAsync(request(user, PASSWORD, "/api/v1/sessions")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"pool\": \"desktop\"}")).build(),
            HttpResponse.BodyHandlers.ofString()))
        .toList();

    List<String> sessionIds = new ArrayList<>();
    int created = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.join();
      assertThat(response.statusCode()).isIn(200, 201);
      created += response.statusCode() == 201 ? 1 : 0;
      sessionIds.add(JSON.readTree(response.body()).get("sessionId").asText());
    }
    assertThat(created).isEqualTo(1);
    assertThat(sessionIds).containsOnly(sessionIds.get(0));
    int sessions = 0;
    for (int i = 0; i < 10; i++) {
      sessions += (i % 2 == 0 ? a1 : a2).sessionsOn("vm-" + i);
    }
    assertThat(sessions).isEqualTo(1);
  }

  @Test
  void aClientRequestIdIsPassedToTheConcentrators() throws Exception {
    String user = TestBroker.userAtHome("a");
    a1.addVm("vm-1", "desktop", 1);

    HttpResponse<String> response = post(user, "{\"pool\": \"desktop\", \"requestId\": \"portal-42\"}");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(a1.findCalls.get()).isPositive();
  }

  // ---- bad input -----------------------------------------------------------------------------

  @Test
  void badInputIsA4xxWithAJsonErrorAndStartsNothing() throws Exception {
    a1.addVm("vm-1", "desktop", 1);
    b1.addVm("vm-1", "desktop", 1);

    assertError(post("alice", "{\"pool\": "), 400, "bad_request");
    assertError(post("alice", "[1, 2]"), 400, "bad_request");
    assertError(post("alice", ""), 400, "bad_request");
    assertError(post("alice", "{}"), 400, "bad_request");
    assertError(post("alice", "{\"pool\": 7}"), 400, "bad_request");
    assertError(post("alice", "{\"pool\": \"desktop\", \"requestId\": \"has spaces\"}"), 400, "bad_request");
    assertError(post("alice", "{\"pool\": \"nonexistent\"}"), 403, "not_entitled");
    assertError(post("alice", "{\"pool\": \"Robert'); DROP TABLE pools;--\"}"), 403, "not_entitled");

    assertError(post("alice", "{\"pool\": \"desktop\", \"pad\": \"" + "x".repeat(100_000) + "\"}"),
        413, "payload_too_large");

    assertThat(a1.startsTried).isEmpty();
    assertThat(b1.startsTried).isEmpty();
    assertThat(JSON.readTree(post("alice", "{}").body()).get("message").asText()).contains("pool");
  }

  @Test
  void wrongOrMissingCredentialsAre401WithABearerChallenge() throws Exception {
    HttpResponse<String> wrong = send(request("alice", "not-it", "/api/v1/sessions").GET().build());
    assertError(wrong, 401, "unauthorized");
    // never Basic: a browser would ask for a password and then send it along with other sites' forms
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));

    HttpResponse<String> unknown = send(request("mallory", PASSWORD, "/api/v1/sessions").GET().build());
    assertError(unknown, 401, "unauthorized");

    HttpResponse<String> none = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions")).GET().build());
    assertError(none, 401, "unauthorized");
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"shardbroker\"");

    HttpResponse<String> garbage = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/sessions"))
        .header("Authorization", "Basic !!!not-base64").GET().build());
    assertError(garbage, 401, "unauthorized");
  }

  @Test
  void unknownEndpointsAreAJson404() throws Exception {
    HttpResponse<String> response = send(request("alice", PASSWORD, "/api/v1/nothing-here").GET().build());
    assertError(response, 404, "not_found");
    assertThat(JSON.readTree(response.body()).get("message").asText())
        .isEqualTo("no such endpoint: GET /api/v1/nothing-here");
  }

  @Test
  void aUrlJettyRefusesIsAJson400() throws Exception {
    HttpResponse<String> response = send(request("alice", PASSWORD, "/api/v1/admin/users/a%00b").GET().build());
    assertError(response, 400, "bad_request");
  }

  // ---- listing and ending --------------------------------------------------------------------

  @Test
  void aNewerTopologyIsUsedFromTheNextRequestOn() throws Exception {
    String user = TestBroker.userAtHome("a");
    a1.addVm("vm-a", "desktop", 1);
    b1.addVm("vm-b", "desktop", 1);
    Topology onlyB = Topology.newBuilder().setVersion(4).addSets(TestBroker.set("b", b1, b2)).build();

    assertThat(broker.updateTopology(onlyB)).isTrue();
    assertThat(broker.updateTopology(onlyB)).as("not newer").isFalse();
    assertThatThrownBy(() -> broker.updateTopology(Topology.newBuilder().setVersion(5).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no concentrator set");

    HttpResponse<String> response = post(user, "{\"pool\": \"desktop\"}");
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(response.body()).get("vmId").asText()).isEqualTo("vm-b");
    JsonNode topology = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/topology").GET().build()).body());
    assertThat(topology.get("version").asInt()).isEqualTo(4);
    assertThat(topology.get("sets")).extracting(set -> set.get("id").asText()).containsExactly("b");
  }

  @Test
  void usersSeeOnlyTheirOwnSessions() throws Exception {
    a1.addVm("vm-1", "desktop", 1);
    a1.addSession("vm-1", "alice-1", "alice");
    a2.addVm("vm-2", "shared", 4);
    a2.addSession("vm-2", "bob-1", "bob");
    b1.addVm("vm-1", "desktop", 1);
    b1.addSession("vm-1", "alice-1", "alice");
    b2.addVm("vm-2", "shared", 4);
    b2.addSession("vm-2", "bob-1", "bob");

    HttpResponse<String> response = send(request("alice", PASSWORD, "/api/v1/sessions").GET().build());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode sessions = JSON.readTree(response.body()).get("sessions");
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).get("sessionId").asText()).isEqualTo("alice-1");
    assertThat(sessions.get(0).get("vmId").asText()).isEqualTo("vm-1");
    assertThat(sessions.get(0).get("state").asText()).isEqualTo("running");
  }

  @Test
  void aSessionOnAVmWhoseAgentIsNotHeardFromIsShownAsUnknown() throws Exception {
    FakeConcentrator.Vm silent = a1.addVm("vm-1", "desktop", 1);
    silent.reachable = false;
    a1.addSession("vm-1", "alice-1", "alice");
    b1.addVm("vm-1", "desktop", 1).reachable = false;
    b1.addSession("vm-1", "alice-1", "alice");

    JsonNode sessions = JSON.readTree(send(request("alice", PASSWORD, "/api/v1/sessions").GET().build()).body())
        .get("sessions");

    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).get("reachable").asBoolean()).isFalse();
    assertThat(sessions.get(0).get("state").asText()).isEqualTo("unknown");
  }

  @Test
  void deleteEndsTheSessionAndOnlyTheOwnersOne() throws Exception {
    for (FakeConcentrator c : List.of(a1, b1)) {
      c.addVm("vm-1", "desktop", 1);
      c.addSession("vm-1", "alice-1", "alice");
    }

    HttpResponse<String> byBob = send(request("bob", PASSWORD, "/api/v1/sessions/alice-1").DELETE().build());
    assertError(byBob, 404, "session_not_found");

    HttpResponse<String> byAlice = send(request("alice", PASSWORD, "/api/v1/sessions/alice-1").DELETE().build());
    assertThat(byAlice.statusCode()).isEqualTo(204);
    int left = a1.sessionsOn("vm-1") + b1.sessionsOn("vm-1");
    assertThat(left).isEqualTo(1);  // the home set's concentrator ended it; the agent tells the other set

    HttpResponse<String> unknown = send(request("alice", PASSWORD, "/api/v1/sessions/no-such").DELETE().build());
    assertError(unknown, 404, "session_not_found");
  }

  @Test
  void aDeleteThatNoWholeSetCouldAnswerIsRetryableNotNotFound() throws Exception {
    for (FakeConcentrator c : List.of(a1, b1)) {
      c.addVm("vm-1", "desktop", 1);
      c.addSession("vm-1", "alice-1", "alice");
      c.unavailable = true;  // the session's concentrator in each set is down; the others do not know it
    }

    HttpResponse<String> response = send(request("alice", PASSWORD, "/api/v1/sessions/alice-1").DELETE().build());

    assertError(response, 503, "no_set_reachable");
    assertThat(response.headers().firstValue("Retry-After")).contains("7");
  }

  @Test
  void vmsAreListedAsOneSetSeesThemWithFilters() throws Exception {
    a1.addVm("vm-1", "desktop", 1);
    a1.addSession("vm-1", "s", "alice");
    a2.addVm("vm-2", "desktop", 1);
    b1.addVm("vm-9", "shared", 8);

    JsonNode all = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a").GET().build()).body());
    assertThat(all.get("set").asText()).isEqualTo("a");
    assertThat(all.get("count").asInt()).isEqualTo(2);
    assertThat(all.at("/vms/0/id").asText()).isEqualTo("vm-1");
    assertThat(all.at("/vms/0/state").asText()).isEqualTo("in_use");
    assertThat(all.at("/vms/0/sessions/0").asText()).isEqualTo("alice");

    JsonNode free = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a&state=available").GET().build()).body());
    assertThat(free.get("count").asInt()).isEqualTo(1);
    assertThat(free.at("/vms/0/id").asText()).isEqualTo("vm-2");

    JsonNode shared = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=b&pool=shared").GET().build()).body());
    assertThat(shared.at("/vms/0/capacity").asInt()).isEqualTo(8);

    assertError(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?state=sleeping").GET().build()), 400, "bad_request");
    assertError(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=zz").GET().build()), 400, "bad_request");
  }

  @Test
  void aPageOfVmsIsTheFirstByIdOfBothConcentratorsAndSaysHowManyMatch() throws Exception {
    for (int i = 1; i <= 6; i++) {  // odd ones at a1, even ones at a2
      (i % 2 == 1 ? a1 : a2).addVm("vm-" + i, "desktop", 1);
    }
    a2.addSession("vm-4", "s-4", "Bob");
    a1.addSession("vm-5", "s-5", "alice");

    JsonNode page = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a&limit=3").GET().build()).body());
    assertThat(page.get("vms")).extracting(vm -> vm.get("id").asText()).containsExactly("vm-1", "vm-2", "vm-3");
    assertThat(page.get("count").asInt()).isEqualTo(3);
    assertThat(page.get("matching").asLong()).isEqualTo(6);

    JsonNode bobs = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a&q=bOB").GET().build()).body());
    assertThat(bobs.get("vms")).extracting(vm -> vm.get("id").asText()).containsExactly("vm-4");
    JsonNode running = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a&withSessions=true&limit=1")
        .GET().build()).body());
    assertThat(running.get("vms")).extracting(vm -> vm.get("id").asText()).containsExactly("vm-4");
    assertThat(running.get("matching").asLong()).isEqualTo(2);

    for (String bad : List.of("limit=0", "limit=10001", "limit=ten", "withSessions=yes", "q=" + "x".repeat(129))) {
      assertError(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?" + bad).GET().build()), 400, "bad_request");
    }
  }

  @Test
  void aListingWithoutAConcentratorKnownToBeDownIsNotComplete() throws Exception {
    a2.addVm("vm-2", "desktop", 1);
    a1.unavailable = true;

    for (int i = 0; i < 2; i++) {  // the first listing finds a1 down; the second leaves it out
      JsonNode listing = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/vms?set=a").GET().build()).body());
      assertThat(listing.get("count").asInt()).isEqualTo(1);
      assertThat(listing.get("complete").asBoolean()).as("listing %d", i + 1).isFalse();
    }
  }

  @Test
  void topologyShowsEveryConcentratorWithItsHealth() throws Exception {
    b2.unavailable = true;
    a1.addVm("vm-1", "desktop", 1);
    clock.runDueTasks();  // the first health poll

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      JsonNode topology = JSON.readTree(send(request(TestBroker.ADMIN, PASSWORD, "/api/v1/topology").GET().build()).body());
      assertThat(topology.get("version").asInt()).isEqualTo(3);
      assertThat(topology.at("/sets/0/id").asText()).isEqualTo("a");
      assertThat(topology.at("/sets/0/concentrators/0/id").asText()).isEqualTo("a1");
      assertThat(topology.at("/sets/0/concentrators/0/address").asText()).isEqualTo("fake-a1");
      assertThat(topology.at("/sets/0/concentrators/0/status").asText()).isEqualTo("up");
      assertThat(topology.at("/sets/0/concentrators/0/attachedVms").asInt()).isEqualTo(1);
      assertThat(topology.at("/sets/1/concentrators/1/status").asText()).isEqualTo("down");
    });
  }

  @Test
  void healthReadinessAndMetricsAreServedWithoutSignIn() throws Exception {
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build()).statusCode()).isEqualTo(200);
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build()).statusCode()).isEqualTo(503);
    clock.runDueTasks();
    await().atMost(Duration.ofSeconds(5)).until(
        () -> send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build()).statusCode() == 200);

    a1.addVm("vm-1", "desktop", 1);
    post(TestBroker.userAtHome("a"), "{\"pool\": \"desktop\"}");
    post(TestBroker.userAtHome("a"), "{\"pool\": \"nope\"}");
    String metrics = send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build()).body();
    assertThat(metrics)
        .contains("shardbroker_broker_brokering_seconds_bucket")
        .contains("shardbroker_broker_outcomes_total{outcome=\"started\"} 1.0")
        .contains("shardbroker_broker_outcomes_total{outcome=\"not_entitled\"} 1.0")
        .contains("shardbroker_broker_concentrators{health=\"up\"}")
        .contains("shardbroker_broker_set_fallbacks_total");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private HttpResponse<String> post(String user, String body) throws Exception {
    return send(request(user, PASSWORD, "/api/v1/sessions")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private HttpRequest.Builder request(String user, String password, String path) {
    String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Basic " + token);
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("error").asText()).isEqualTo(code);
    assertThat(body.get("message").asText()).isNotBlank();
  }
}
