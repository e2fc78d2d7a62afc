package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.BROKER_ID;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static io.shardbroker.broker.TestBroker.segment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.Pool;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin API over HTTP: create, read, update and delete of every resource with the documented
 * status codes, who may use it, how bad input is refused, names that are hard to carry, the audit
 * log, and passwords (which never come back).
 */
@Timeout(60)
class AdminApiTest {

  private static final String ADMIN_API = "/api/v1/admin";

  private TestBroker broker;
  private Api api;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    api = broker.api;
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  // ---- round trips ---------------------------------------------------------------------------

  @Test
  void pools() {
    Answer created = admin("POST", "/pools", json("name", "lab", "displayName", "Lab machines",
        "kind", "dedicated", "sessionMode", "multi", "protocol", "pcoip", "enabled", false));
    assertCreated(created, "/pools/lab");
    assertPool(created.json(), "lab", "Lab machines", "dedicated", "multi", "pcoip", false);

    assertPool(assertCreated(admin("POST", "/pools", json("name", "plain")), "/pools/plain").json(),
        "plain", "plain", "floating", "single", "rdp", true);
    assertThat(names(admin("GET", "/pools", null).json().get("pools")))
        .containsExactly("desktop", "lab", "plain", "shared");
    assertPool(ok(admin("GET", "/pools/lab", null)), "lab", "Lab machines", "dedicated", "multi", "pcoip", false);

    Answer changed = admin("PATCH", "/pools/lab", json("displayName", "Lab", "sessionMode", "single",
        "protocol", "rdp", "enabled", true));
    assertPool(ok(changed), "lab", "Lab", "dedicated", "single", "rdp", true);
    assertPool(ok(admin("GET", "/pools/lab", null)), "lab", "Lab", "dedicated", "single", "rdp", true);
    assertThat(field(assertError(admin("PATCH", "/pools/lab", json("kind", "floating")), 400, "bad_request")))
        .isEqualTo("kind");

    assertError(admin("POST", "/pools", json("name", "lab")), 409, "conflict");
    assertThat(admin("DELETE", "/pools/lab", null).status()).isEqualTo(204);
    assertError(admin("GET", "/pools/lab", null), 404, "not_found");
    assertError(admin("PATCH", "/pools/lab", json("enabled", true)), 404, "not_found");
    assertError(admin("DELETE", "/pools/lab", null), 404, "not_found");
  }

  @Test
  void poolLogoffLimitsAreSecondsSetChangedAndClearedWithNull() {
    Answer created = admin("POST", "/pools", json("name", "lab", "idleLogoffAfterSeconds", 3600,
        "disconnectedLogoffAfterSeconds", 1800));
    assertLogoff(assertCreated(created, "/pools/lab").json(), 3600L, 1800L);
    assertThat(broker.store.pools().find("lab").orElseThrow().logoff())
        .isEqualTo(new Pool.LogoffPolicy(Duration.ofHours(1), Duration.ofMinutes(30)));
    assertLogoff(ok(admin("GET", "/pools/desktop", null)), null, null);

    assertLogoff(ok(admin("PATCH", "/pools/lab", json("idleLogoffAfterSeconds", 2592000))), 2592000L, 1800L);
    assertLogoff(ok(admin("PATCH", "/pools/lab", json("enabled", false))), 2592000L, 1800L);
    assertLogoff(ok(admin("PATCH", "/pools/lab", json("disconnectedLogoffAfterSeconds", null))), 2592000L, null);
    assertLogoff(ok(admin("GET", "/pools/lab", null)), 2592000L, null);
    JsonNode listed = admin("GET", "/pools", null).json().get("pools");
    assertLogoff(listed.get(names(listed).indexOf("lab")), 2592000L, null);

    assertThat(ok(admin("GET", "/audit?action=pool.update&target=lab", null)).get("entries"))
        .extracting(e -> e.get("detail").asText())
        .containsExactly("disconnected logoff 30m -> never", "disabled", "idle logoff 1h -> 30d");
  }

  @Test
  void users() {
    Answer created = admin("POST", "/users", json("name", "erin", "password", "erins-password",
        "displayName", "Erin E.", "groups", List.of("staff")));
    assertCreated(created, "/users/erin");
    assertUser(created.json(), "erin", "Erin E.", true, "staff");
    assertThat(created.json().get("createdAt").asText()).isEqualTo(broker.clock.instant().toString());
    assertThat(api.send("erin", "erins-password", "GET", "/api/v1/me", null, null).status()).isEqualTo(200);

    assertThat(names(admin("GET", "/users", null).json().get("users")))
        .containsExactly("alice", "bob", "carol", "dave", "erin", ADMIN);
    assertUser(ok(admin("GET", "/users/erin", null)), "erin", "Erin E.", true, "staff");
    assertUser(ok(admin("PATCH", "/users/erin", json("displayName", "Erin", "enabled", false))),
        "erin", "Erin", false, "staff");
    assertUser(ok(admin("GET", "/users/erin", null)), "erin", "Erin", false, "staff");

    assertError(admin("POST", "/users", json("name", "erin", "password", "another-one")), 409, "conflict");
    assertError(admin("POST", "/users", json("name", "fred", "password", "freds-password",
        "groups", List.of("no-such-group"))), 404, "not_found");
    assertThat(admin("DELETE", "/users/erin", null).status()).isEqualTo(204);
    assertError(admin("GET", "/users/erin", null), 404, "not_found");
    assertError(admin("PATCH", "/users/erin", json("enabled", true)), 404, "not_found");
    assertError(admin("DELETE", "/users/erin", null), 404, "not_found");
    assertError(api.send("erin", "erins-password", "GET", "/api/v1/me", null, null), 401, "unauthorized");
  }

  @Test
  void spoofingUserAndGroupNamesAreRefusedWith400() {
    for (String name : List.of("\u0430lice", "ali\u202Ece", "\u2066root\u2069", "al\u200Eice", "a/b", "a\\b",
        "..", "x".repeat(65))) {
      JsonNode user = assertError(admin("POST", "/users", json("name", name, "password", "a-good-password")),
          400, "bad_request");
      assertThat(field(user)).isEqualTo("name");
      assertThat(field(assertError(admin("POST", "/groups", json("name", name)), 400, "bad_request")))
          .isEqualTo("name");
      assertThat(field(assertError(admin("POST", "/users", json("name", "erin", "password", "a-good-password",
          "groups", List.of(name))), 400, "bad_request"))).isEqualTo("groups");
    }
    assertThat(names(admin("GET", "/users", null).json().get("users")))
        .containsExactly("alice", "bob", "carol", "dave", ADMIN);
    assertThat(names(admin("GET", "/groups", null).json().get("groups"))).containsExactly("admins", "staff");
  }

  @Test
  void groupsAndMembers() {
    Answer created = admin("POST", "/groups", json("name", "ops", "description", "Operations"));
    assertCreated(created, "/groups/ops");
    assertGroup(created.json(), "ops", "Operations");
    assertGroup(assertCreated(admin("POST", "/groups", json("name", "bare")), "/groups/bare").json(), "bare", "");
    assertThat(names(admin("GET", "/groups", null).json().get("groups")))
        .containsExactly("admins", "bare", "ops", "staff");

    assertThat(admin("PUT", "/groups/ops/members/alice", null).status()).isEqualTo(204);
    assertThat(admin("PUT", "/groups/ops/members/alice", null).status()).isEqualTo(204);  // idempotent
    assertThat(admin("PUT", "/groups/ops/members/bob", null).status()).isEqualTo(204);
    assertGroup(ok(admin("GET", "/groups/ops", null)), "ops", "Operations", "alice", "bob");
    assertUser(ok(admin("GET", "/users/alice", null)), "alice", "alice", true, "ops", "staff");
    assertError(admin("PUT", "/groups/ops/members/nobody", null), 404, "not_found");
    assertError(admin("PUT", "/groups/nothing/members/alice", null), 404, "not_found");

    assertThat(admin("DELETE", "/groups/ops/members/alice", null).status()).isEqualTo(204);
    assertGroup(ok(admin("GET", "/groups/ops", null)), "ops", "Operations", "bob");
    assertError(admin("DELETE", "/groups/ops/members/alice", null), 404, "not_found");

    assertError(admin("POST", "/groups", json("name", "ops")), 409, "conflict");
    assertThat(admin("DELETE", "/groups/ops", null).status()).isEqualTo(204);
    assertError(admin("GET", "/groups/ops", null), 404, "not_found");
    assertError(admin("DELETE", "/groups/ops", null), 404, "not_found");
    assertUser(ok(admin("GET", "/users/bob", null)), "bob", "bob", true, "staff");
  }

  @Test
  void entitlements() {
    Answer created = admin("POST", "/entitlements", json("pool", "shared", "user", "root"));
    long id = created.json().get("id").asLong();
    assertCreated(created, "/entitlements/" + id);
    assertThat(created.json().get("pool").asText()).isEqualTo("shared");
    assertThat(created.json().get("user").asText()).isEqualTo(ADMIN);
    assertThat(created.json().has("group")).isFalse();
    assertError(api.openSession(ADMIN, "shared"), 503, "pool_exhausted");  // entitled now; no VM is up

    assertThat(admin("GET", "/entitlements?pool=shared", null).json().get("entitlements"))
        .extracting(e -> e.path("user").asText("") + e.path("group").asText(""))
        .containsExactlyInAnyOrder("staff", ADMIN);
    assertThat(admin("GET", "/entitlements?user=root", null).json().get("entitlements"))
        .extracting(e -> e.get("id").asLong()).containsExactly(id);
    assertThat(admin("GET", "/entitlements?group=staff", null).json().get("entitlements"))
        .extracting(e -> e.get("pool").asText()).containsExactlyInAnyOrder("desktop", "shared");
    assertThat(admin("GET", "/entitlements", null).json().get("entitlements")).hasSize(3);

    assertError(admin("POST", "/entitlements", json("pool", "shared", "user", "root")), 409, "conflict");
    assertError(admin("POST", "/entitlements", json("pool", "no-such", "group", "staff")), 404, "not_found");
    assertError(admin("POST", "/entitlements", json("pool", "shared", "group", "no-such")), 404, "not_found");
    assertThat(field(assertError(admin("POST", "/entitlements",
        json("pool", "shared", "user", "bob", "group", "staff")), 400, "bad_request"))).isIn("user", "group");
    assertThat(field(assertError(admin("POST", "/entitlements", json("pool", "shared")), 400, "bad_request")))
        .isIn("user", "group");

    assertThat(admin("DELETE", "/entitlements/" + id, null).status()).isEqualTo(204);
    assertError(admin("DELETE", "/entitlements/" + id, null), 404, "not_found");
    assertError(admin("DELETE", "/entitlements/not-a-number", null), 404, "not_found");
    assertError(api.openSession(ADMIN, "shared"), 403, "not_entitled");
  }

  @Test
  void assignments() {
    admin("POST", "/pools", json("name", "eng", "kind", "dedicated"));
    Answer created = assign("eng", "alice", "eng-7");
    assertCreated(created, "/assignments/eng-7");
    assertThat(created.json().get("pool").asText()).isEqualTo("eng");
    assertThat(created.json().get("user").asText()).isEqualTo("alice");
    assertThat(created.json().get("vmId").asText()).isEqualTo("eng-7");
    assertThat(created.json().get("assignedAt").asText()).isEqualTo(broker.clock.instant().toString());
    assign("eng", "bob", "eng-8");

    assertThat(admin("GET", "/assignments?pool=eng", null).json().get("assignments"))
        .extracting(a -> a.get("vmId").asText()).containsExactly("eng-7", "eng-8");
    assertThat(admin("GET", "/assignments?user=bob", null).json().get("assignments"))
        .extracting(a -> a.get("vmId").asText()).containsExactly("eng-8");

    // The VM is taken; alice has one; there is no such user.
    assertError(assign("eng", "carol", "eng-7"), 409, "conflict");
    assertError(assign("eng", "alice", "eng-9"), 409, "conflict");
    assertError(assign("eng", "nobody", "eng-9"), 404, "not_found");
    assertThat(field(assertError(assign("desktop", "carol", "eng-9"), 400, "bad_request"))).isEqualTo("pool");

    assertThat(admin("DELETE", "/assignments/eng-7", null).status()).isEqualTo(204);
    assertThat(admin("GET", "/assignments", null).json().get("assignments"))
        .extracting(a -> a.get("vmId").asText()).containsExactly("eng-8");
    assertError(admin("DELETE", "/assignments/eng-7", null), 404, "not_found");
  }

  @Test
  void maintenance() {
    Answer drained = admin("PUT", "/vms/vm-9/maintenance", json("reason", "fan noise"));
    assertThat(drained.status()).isEqualTo(200);
    assertThat(drained.json().get("since").asText()).isEqualTo(broker.clock.instant().toString());
    assertThat(admin("GET", "/maintenance", null).json().get("vms"))
        .extracting(m -> m.get("vmId").asText() + ":" + m.get("reason").asText() + ":" + m.get("by").asText())
        .containsExactly("vm-9:fan noise:" + ADMIN);
    assertThat(admin("DELETE", "/vms/vm-9/maintenance", null).status()).isEqualTo(204);
    assertError(admin("DELETE", "/vms/vm-9/maintenance", null), 404, "not_found");
  }

  // ---- who may use it ------------------------------------------------------------------------

  @Test
  void theLastAdminCannotBeLockedOutThroughTheApi() {
    assertError(admin("PATCH", "/users/root", json("enabled", false)), 409, "conflict");
    assertError(admin("DELETE", "/groups/admins/members/root", null), 409, "conflict");
    assertError(admin("DELETE", "/users/root", null), 409, "conflict");
    assertError(admin("DELETE", "/groups/admins", null), 409, "conflict");
    assertThat(admin("GET", "/pools", null).status()).isEqualTo(200);

    assertThat(admin("PUT", "/groups/admins/members/alice", null).status()).isEqualTo(204);
    assertThat(admin("DELETE", "/groups/admins/members/root", null).status()).isEqualTo(204);
    assertError(admin("GET", "/pools", null), 403, "forbidden");
    assertThat(api.get("alice", ADMIN_API + "/pools").status()).isEqualTo(200);
  }

  /** An admin route, and a request to it that would change something if it got through. */
  private record Route(String method, String template, String path, String body) {}

  private static final List<Route> ADMIN_ROUTES = List.of(
      new Route("POST", "/enrollments", "/enrollments", json("vmId", "vm-1")),
      new Route("GET", "/users/{name}/sessions", "/users/alice/sessions", null),
      new Route("DELETE", "/users/{name}/sessions/{sessionId}", "/users/alice/sessions/s-1", null),
      new Route("GET", "/pools", "/pools", null),
      new Route("POST", "/pools", "/pools", json("name", "intruder")),
      new Route("GET", "/pools/{name}", "/pools/desktop", null),
      new Route("PATCH", "/pools/{name}", "/pools/desktop", json("enabled", false)),
      new Route("DELETE", "/pools/{name}", "/pools/desktop", null),
      new Route("GET", "/users", "/users", null),
      new Route("POST", "/users", "/users",
          json("name", "intruder", "password", "intruder-pw", "groups", List.of("admins"))),
      new Route("GET", "/users/{name}", "/users/alice", null),
      new Route("PATCH", "/users/{name}", "/users/root", json("password", "taken-over")),
      new Route("DELETE", "/users/{name}", "/users/bob", null),
      new Route("POST", "/users/{name}/sign-out", "/users/root", null),
      new Route("GET", "/groups", "/groups", null),
      new Route("POST", "/groups", "/groups", json("name", "intruders")),
      new Route("GET", "/groups/{name}", "/groups/admins", null),
      new Route("DELETE", "/groups/{name}", "/groups/staff", null),
      new Route("PUT", "/groups/{name}/members/{user}", "/groups/admins/members/alice", null),
      new Route("DELETE", "/groups/{name}/members/{user}", "/groups/staff/members/bob", null),
      new Route("GET", "/entitlements", "/entitlements", null),
      new Route("POST", "/entitlements", "/entitlements", json("pool", "desktop", "user", "root")),
      new Route("DELETE", "/entitlements/{id}", "/entitlements/1", null),
      new Route("GET", "/assignments", "/assignments", null),
      new Route("POST", "/assignments", "/assignments", json("pool", "desktop", "user", "alice", "vmId", "vm-1")),
      new Route("DELETE", "/assignments/{vmId}", "/assignments/vm-1", null),
      new Route("GET", "/maintenance", "/maintenance", null),
      new Route("PUT", "/vms/{vmId}/maintenance", "/vms/vm-1/maintenance", json("reason", "mischief")),
      new Route("DELETE", "/vms/{vmId}/maintenance", "/vms/vm-1/maintenance", null),
      new Route("GET", "/sessions", "/sessions", null),
      new Route("GET", "/audit", "/audit", null));

  @Test
  void everyAdminRouteIs403ForOthersAnd401WithoutCredentials() {
    assertThat(ADMIN_ROUTES).extracting(r -> r.method() + " " + ADMIN_API + r.template())
        .as("every admin route").containsExactlyInAnyOrderElementsOf(OpenApiContractTest.ROUTES.stream()
            .filter(r -> r.contains(" " + ADMIN_API + "/")).toList());
    long auditBefore = auditCount();

    boolean first = true;
    for (Route route : ADMIN_ROUTES) {
      String path = ADMIN_API + route.path();
      assertError(api.send("alice", PASSWORD, route.method(), path, route.body(), null), 403, "forbidden");
      Answer anonymous = api.send(null, null, route.method(), path, route.body(), null);
      assertError(anonymous, 401, "unauthorized");
      assertThat(anonymous.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      if (first) {  // more wrong passwords would be slowed down (429): SignInTest covers that
        assertError(api.send(ADMIN, "wrong-password", route.method(), path, route.body(), null),
            401, "unauthorized");
        first = false;
      }
    }

    // nothing changed; each refusal is in the audit log
    JsonNode entries = admin("GET", "/audit?limit=1000", null).json().get("entries");
    List<String> added = new java.util.ArrayList<>();
    for (int i = 0; i < entries.size() - auditBefore; i++) {
      added.add(entries.get(i).get("action").asText());
    }
    assertThat(added).containsOnly("access.refuse", "signin.refuse")
        .filteredOn("access.refuse"::equals).hasSize(ADMIN_ROUTES.size());
    assertThat(broker.store.pools().find("desktop")).hasValueSatisfying(p -> assertThat(p.enabled()).isTrue());
    assertThat(broker.store.accounts().user("intruder")).isEmpty();
    assertThat(broker.store.accounts().user("alice").orElseThrow().groups()).containsExactly("staff");
  }

  // ---- bad input -----------------------------------------------------------------------------

  @Test
  void badInputIs400NamingTheField() {
    assertBadField(admin("POST", "/pools", json("name", "has space")), "name");
    assertBadField(admin("POST", "/pools", json("name", "-leading-dash")), "name");
    assertBadField(admin("POST", "/pools", json("name", "Robert'); DROP TABLE pools;--")), "name");
    assertBadField(admin("POST", "/pools", json("displayName", "no name")), "name");
    assertBadField(admin("POST", "/pools", json("name", "p1", "kind", "rented")), "kind");
    assertBadField(admin("POST", "/pools", json("name", "p1", "sessionMode", "some")), "sessionMode");
    assertBadField(admin("POST", "/pools", json("name", "p1", "protocol", "RDP!")), "protocol");
    assertBadField(admin("POST", "/pools", json("name", "p1", "enabled", "yes")), "enabled");
    assertBadField(admin("POST", "/pools", json("name", "p1", "colour", "blue")), "colour");
    assertBadField(admin("PATCH", "/pools/desktop", json("colour", "blue")), "colour");
    for (Object limit : List.of(0, -60, 1.5, "3600", 2592001, true, List.of(60))) {
      assertBadField(admin("POST", "/pools", json("name", "p1", "idleLogoffAfterSeconds", limit)),
          "idleLogoffAfterSeconds");
      assertBadField(admin("PATCH", "/pools/desktop", json("disconnectedLogoffAfterSeconds", limit)),
          "disconnectedLogoffAfterSeconds");
    }
    assertThat(broker.store.pools().find("desktop").orElseThrow().logoff().isNone()).isTrue();
    assertBadField(admin("POST", "/users", json("name", "fred", "password", "short")), "password");
    assertBadField(admin("PATCH", "/users/alice", json("password", "short")), "password");
    assertBadField(admin("POST", "/users", json("name", "fred")), "password");
    assertBadField(admin("POST", "/users", json("name", "fr:ed", "password", "long-enough")), "name");
    assertBadField(admin("POST", "/users", json("name", "fred", "password", "long-enough",
        "displayName", "bell\u0007")), "displayName");
    assertBadField(admin("POST", "/users", json("name", "fred", "password", "long-enough", "admin", true)),
        "admin");
    assertBadField(admin("POST", "/groups", json("name", " padded ")), "name");
    assertBadField(admin("PUT", "/vms/vm-1/maintenance", json("why", "typo")), "why");

    for (String malformed : List.of("{\"name\": ", "[1, 2]", "\"lab\"", "")) {
      Answer answer = admin("POST", "/pools", malformed);
      assertError(answer, 400, "bad_request");
    }
    assertThat(broker.store.pools().list()).extracting(p -> p.name()).containsExactly("desktop", "shared");
    assertThat(broker.store.accounts().user("fred")).isEmpty();
  }

  // ---- names ---------------------------------------------------------------------------------

  @Test
  void awkwardNamesAreStoredAndShownBackExactly() {
    // Names are one script's letters, digits and . _ - (PrincipalNames); quotes and SQL go in text.
    List<String> names = List.of("o.brien_2", "Zoë", "日本語", "Ñúñez-Ølsen", "Иван-2");
    for (String name : names) {
      String user = segment(name);
      Answer created = admin("POST", "/users", json("name", name, "displayName", "Dr. " + name,
          "password", PASSWORD));
      assertThat(created.status()).as("%s", created).isEqualTo(201);
      assertThat(URLDecoder.decode(created.header("Location").orElseThrow(), StandardCharsets.UTF_8))
          .isEqualTo(ADMIN_API + "/users/" + name);
      assertThat(api.get(ADMIN, created.header("Location").orElseThrow()).json().get("name").asText())
          .isEqualTo(name);
      String group = name + "-0";
      assertThat(admin("POST", "/groups", json("name", group, "description", name)).status()).isEqualTo(201);
      assertThat(admin("PUT", "/groups/" + segment(group) + "/members/" + user, null).status()).isEqualTo(204);
      assertThat(admin("POST", "/entitlements", json("pool", "desktop", "group", group)).status()).isEqualTo(201);

      assertUser(ok(admin("GET", "/users/" + user, null)), name, "Dr. " + name, true, group);
      assertGroup(ok(admin("GET", "/groups/" + segment(group), null)), group, name, name);
      JsonNode me = ok(api.get(name, "/api/v1/me"));
      assertThat(me.get("name").asText()).isEqualTo(name);
      assertThat(me.get("displayName").asText()).isEqualTo("Dr. " + name);
      assertThat(me.get("groups")).extracting(JsonNode::asText).containsExactly(group);
      assertThat(api.get(name, "/api/v1/pools").json().get("pools")).extracting(p -> p.get("name").asText())
          .containsExactly("desktop");
      assertThat(admin("GET", "/entitlements?group=" + segment(group), null).json().get("entitlements"))
          .extracting(e -> e.get("group").asText()).containsExactly(group);
      assertThat(admin("GET", "/audit?target=" + user, null).json().get("entries"))
          .extracting(e -> e.get("action").asText()).containsExactly("user.create");

      String text = "O'Brien \"Bob\" '; DROP TABLE pools; -- a/b c%d+e?f#g&h " + name;
      assertThat(ok(admin("PATCH", "/pools/shared", json("displayName", text))).get("displayName").asText())
          .isEqualTo(text);
      assertThat(api.get("alice", "/api/v1/pools").json().get("pools"))
          .extracting(p -> p.get("displayName").asText()).contains(text);
    }
    assertThat(names(admin("GET", "/users", null).json().get("users"))).containsAll(names);
    assertThat(names(admin("GET", "/users", null).json().get("users"))).contains("alice", "bob");

    for (String name : names) {
      assertThat(admin("DELETE", "/users/" + segment(name), null).status()).isEqualTo(204);
      assertThat(admin("DELETE", "/groups/" + segment(name + "-0"), null).status()).isEqualTo(204);
    }
    assertThat(names(admin("GET", "/users", null).json().get("users")))
        .containsExactly("alice", "bob", "carol", "dave", ADMIN);
  }

  // ---- audit and passwords -------------------------------------------------------------------

  @Test
  void everyChangeIsInTheAuditLogWithWhoAndWhichBroker() {
    admin("POST", "/pools", json("name", "eng", "kind", "dedicated"));
    admin("PATCH", "/pools/eng", json("displayName", "Engineering", "idleLogoffAfterSeconds", 900));
    admin("POST", "/users", json("name", "erin", "password", "erins-password"));
    admin("PATCH", "/users/erin", json("displayName", "Erin"));
    admin("POST", "/groups", json("name", "ops"));
    admin("PUT", "/groups/ops/members/erin", null);
    admin("DELETE", "/groups/ops/members/erin", null);
    long entitlement =
        admin("POST", "/entitlements", json("pool", "eng", "user", "erin")).json().get("id").asLong();
    admin("DELETE", "/entitlements/" + entitlement, null);
    admin("POST", "/assignments", json("pool", "eng", "user", "erin", "vmId", "eng-1"));
    admin("DELETE", "/assignments/eng-1", null);
    admin("PUT", "/vms/eng-1/maintenance", json("reason", "disk"));
    admin("DELETE", "/vms/eng-1/maintenance", null);
    admin("DELETE", "/groups/ops", null);
    admin("DELETE", "/users/erin", null);
    admin("DELETE", "/pools/eng", null);

    JsonNode entries = ok(admin("GET", "/audit?actor=root", null)).get("entries");
    List<String> actions = new ArrayList<>();
    for (JsonNode e : entries) {
      actions.add(e.get("action").asText() + " " + e.get("target").asText());
      assertThat(e.get("actor").asText()).isEqualTo(ADMIN);
      assertThat(e.get("broker").asText()).isEqualTo(BROKER_ID);
      assertThat(e.get("at").asText()).isEqualTo(broker.clock.instant().toString());
      assertThat(e.get("detail").isTextual()).isTrue();
    }
    assertThat(actions.reversed()).containsExactly(
        "pool.create eng", "pool.update eng", "user.create erin", "user.update erin", "group.create ops",
        "group.member.add ops", "group.member.remove ops", "entitlement.create eng", "entitlement.delete eng",
        "assignment.create eng-1", "assignment.delete eng-1", "vm.drain eng-1", "vm.undrain eng-1",
        "group.delete ops", "user.delete erin", "pool.delete eng");

    assertThat(ok(admin("GET", "/audit?action=pool.", null)).get("entries"))
        .extracting(e -> e.get("action").asText())
        .containsExactly("pool.delete", "pool.update", "pool.create", "pool.create", "pool.create");
    assertThat(ok(admin("GET", "/audit?action=pool.update", null)).at("/entries/0/detail").asText())
        .isEqualTo("display name 'eng' -> 'Engineering', idle logoff never -> 15m");
    List<String> paged = new ArrayList<>();
    String before = "";
    for (int page = 0; page < 10 && before != null; page++) {
      JsonNode answer = ok(admin("GET", "/audit?actor=root&limit=5" + before, null));
      answer.get("entries").forEach(e -> paged.add(e.get("action").asText() + " " + e.get("target").asText()));
      before = answer.get("nextBefore").isNull() ? null : "&before=" + answer.get("nextBefore").asLong();
    }
    assertThat(paged.reversed()).isEqualTo(actions.reversed());
  }

  @Test
  void aPasswordChangeAppliesToTheNextSignInAndNoPasswordIsEverShown() {
    assertThat(api.get("alice", "/api/v1/me").status()).isEqualTo(200);  // remembered by the broker
    String created = "Created-pw-4a1b";
    String changed = "Changed-pw-9c2d";
    String refused = "short7";
    admin("POST", "/users", json("name", "erin", "password", created));
    admin("PATCH", "/users/erin", json("password", changed));
    admin("POST", "/users", json("name", "fred", "password", refused));
    Answer patched = admin("PATCH", "/users/alice", json("password", changed));
    assertThat(patched.status()).isEqualTo(200);

    assertError(api.get("alice", "/api/v1/me"), 401, "unauthorized");
    assertThat(api.send("alice", changed, "GET", "/api/v1/me", null, null).status()).isEqualTo(200);
    assertThat(api.send("erin", changed, "GET", "/api/v1/me", null, null).status()).isEqualTo(200);
    assertError(api.send("erin", created, "GET", "/api/v1/me", null, null), 401, "unauthorized");

    admin("GET", "/users", null);
    admin("GET", "/users/erin", null);
    JsonNode audit = ok(admin("GET", "/audit?limit=1000", null));
    assertThat(audit.get("entries")).extracting(e -> e.get("action").asText()).contains("user.update");
    for (Answer answer : api.answers) {
      assertThat(answer.body()).as("%s", answer).doesNotContain(created, changed, refused, PASSWORD)
          .doesNotContainIgnoringCase("password_hash").doesNotContain("$argon2");
      assertThat(answer.headers().map().toString()).doesNotContain(created, changed, refused);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A request to {@code /api/v1/admin + path} as the admin. */
  private Answer admin(String method, String path, String body) {
    return api.send(ADMIN, PASSWORD, method, ADMIN_API + path, body, null);
  }

  private Answer assign(String pool, String user, String vmId) {
    return admin("POST", "/assignments", json("pool", pool, "user", user, "vmId", vmId));
  }

  private static JsonNode ok(Answer answer) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    return answer.json();
  }

  private Answer assertCreated(Answer answer, String path) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.header("Location")).contains(ADMIN_API + path);
    if (!path.startsWith("/entitlements/") && !path.startsWith("/assignments/")) {  // these have no GET of one
      Answer followed = api.get(ADMIN, answer.header("Location").orElseThrow());
      assertThat(followed.status()).as("%s", followed).isEqualTo(200);
      assertThat(followed.json()).isEqualTo(answer.json());
    }
    return answer;
  }

  private static void assertBadField(Answer answer, String field) {
    assertThat(field(assertError(answer, 400, "bad_request"))).as("%s", answer).isEqualTo(field);
  }

  private static String field(JsonNode error) {
    return error.path("field").asText(null);
  }

  private static List<String> names(JsonNode items) {
    List<String> names = new ArrayList<>();
    items.forEach(i -> names.add(i.get("name").asText()));
    return names;
  }

  private long auditCount() {
    return admin("GET", "/audit?limit=1000", null).json().get("entries").size();
  }

  private static void assertPool(
      JsonNode pool, String name, String displayName, String kind, String mode, String protocol, boolean enabled) {
    assertThat(pool.get("name").asText()).isEqualTo(name);
    assertThat(pool.get("displayName").asText()).isEqualTo(displayName);
    assertThat(pool.get("kind").asText()).isEqualTo(kind);
    assertThat(pool.get("sessionMode").asText()).isEqualTo(mode);
    assertThat(pool.get("protocol").asText()).isEqualTo(protocol);
    assertThat(pool.get("enabled").asBoolean()).isEqualTo(enabled);
  }

  private static void assertLogoff(JsonNode pool, Long idleSeconds, Long disconnectedSeconds) {
    assertThat(pool.has("idleLogoffAfterSeconds")).as("%s", pool).isTrue();
    assertThat(pool.has("disconnectedLogoffAfterSeconds")).as("%s", pool).isTrue();
    JsonNode idle = pool.get("idleLogoffAfterSeconds");
    JsonNode disconnected = pool.get("disconnectedLogoffAfterSeconds");
    assertThat(idle.isNull() ? null : idle.asLong()).as("%s", pool).isEqualTo(idleSeconds);
    assertThat(disconnected.isNull() ? null : disconnected.asLong()).as("%s", pool).isEqualTo(disconnectedSeconds);
  }

  private static void assertUser(
      JsonNode user, String name, String displayName, boolean enabled, String... groups) {
    assertThat(user.get("name").asText()).isEqualTo(name);
    assertThat(user.get("displayName").asText()).isEqualTo(displayName);
    assertThat(user.get("enabled").asBoolean()).isEqualTo(enabled);
    assertThat(user.get("groups")).extracting(JsonNode::asText).containsExactly(groups);
    assertThat(user.has("password")).isFalse();
  }

  private static void assertGroup(JsonNode group, String name, String description, String... members) {
    assertThat(group.get("name").asText()).isEqualTo(name);
    assertThat(group.get("description").asText()).isEqualTo(description);
    assertThat(group.get("members")).extracting(JsonNode::asText).containsExactly(members);
  }
}
