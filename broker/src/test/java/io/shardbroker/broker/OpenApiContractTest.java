package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.javalin.Javalin;
import io.javalin.router.Endpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.CertificateRequests;
import io.shardbroker.store.Authenticator;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code openapi.yaml} describes the API the broker serves: the same operations (no route
 * undocumented, none documented that is not served), the same authentication, the same request
 * fields, and the statuses the broker really answers with.
 */
@Timeout(60)
class OpenApiContractTest {

  /**
   * Every route HttpApi and AdminApi register, kept by hand: a route added without documentation
   * (or documentation without a route) fails {@link #theDocumentedOperationsAreExactlyTheServedOnes}.
   */
  static final List<String> ROUTES = List.of(
      "GET /",
      "GET /admin",
      "GET /desktop",
      "GET /novnc/{path}",
      "GET /portal/{file}",
      "GET /webjars/uplot/{version}/dist/{file}",
      "GET /api/v1/auth/login",
      "POST /api/v1/auth/login",
      "POST /api/v1/auth/logout",
      "POST /api/v1/enroll",
      "POST /api/v1/admin/enrollments",
      "GET /api/v1/admin/users/{name}/sessions",
      "DELETE /api/v1/admin/users/{name}/sessions/{sessionId}",
      "POST /api/v1/sessions",
      "GET /api/v1/sessions",
      "DELETE /api/v1/sessions/{sessionId}",
      "GET /api/v1/me",
      "GET /api/v1/pools",
      "GET /api/v1/topology",
      "GET /api/v1/vms",
      "GET /api/v1/vms/summary",
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
      "GET /api/openapi.yaml",
      "GET /api/v1/admin/pools",
      "POST /api/v1/admin/pools",
      "GET /api/v1/admin/pools/{name}",
      "PATCH /api/v1/admin/pools/{name}",
      "DELETE /api/v1/admin/pools/{name}",
      "GET /api/v1/admin/users",
      "POST /api/v1/admin/users",
      "GET /api/v1/admin/users/{name}",
      "PATCH /api/v1/admin/users/{name}",
      "DELETE /api/v1/admin/users/{name}",
      "POST /api/v1/admin/users/{name}/sign-out",
      "GET /api/v1/admin/groups",
      "POST /api/v1/admin/groups",
      "GET /api/v1/admin/groups/{name}",
      "DELETE /api/v1/admin/groups/{name}",
      "PUT /api/v1/admin/groups/{name}/members/{user}",
      "DELETE /api/v1/admin/groups/{name}/members/{user}",
      "GET /api/v1/admin/entitlements",
      "POST /api/v1/admin/entitlements",
      "DELETE /api/v1/admin/entitlements/{id}",
      "GET /api/v1/admin/assignments",
      "POST /api/v1/admin/assignments",
      "DELETE /api/v1/admin/assignments/{vmId}",
      "GET /api/v1/admin/maintenance",
      "PUT /api/v1/admin/vms/{vmId}/maintenance",
      "DELETE /api/v1/admin/vms/{vmId}/maintenance",
      "GET /api/v1/admin/sessions",
      "GET /api/v1/admin/audit");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final String UNDOCUMENTED_FIELD = "undocumentedField";

  private TestBroker broker;
  private Api api;
  private JsonNode spec;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    CertificateAuthority root = CertificateAuthority.create("contract CA", Clock.systemUTC());
    api = broker.startBroker("contract", broker.store, s -> s.withEnrollment(new Enrollment(
        CertificateAuthority.enroller(root.issueEnroller("contract", Duration.ofDays(1)), broker.clock),
        Enrollment.AGENT_VALIDITY_DEFAULT)));
    try (InputStream in = HttpApi.class.getResourceAsStream("openapi.yaml")) {
      assertThat(in).as("openapi.yaml next to HttpApi").isNotNull();
      spec = YAML.readTree(in);
    }
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void theDocumentIsServedWithoutCredentialsAsYaml() throws Exception {
    Answer answer = api.send(null, null, "GET", HttpApi.OPENAPI_PATH, null, null);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.header("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/yaml"));
    JsonNode served = YAML.readTree(answer.body());
    assertThat(served).isEqualTo(spec);
    assertThat(served.get("openapi").asText()).startsWith("3.");
    assertThat(served.get("paths").size()).isPositive();
  }

  @Test
  void theDocumentedOperationsAreExactlyTheServedOnes() {
    Set<String> documented = new TreeSet<>(operations().keySet());
    Set<String> listed = new TreeSet<>(ROUTES);
    Set<String> registered = registeredRoutes();

    assertThat(listed).as("routes registered in HttpApi and AdminApi").isEqualTo(registered);
    assertThat(documented).as("operations in openapi.yaml").isEqualTo(registered);
  }

  /** Each documented operation reaches a handler and answers with a status it documents. */
  @Test
  void everyDocumentedOperationIsServedAndAnswersADocumentedStatus() {
    assertThat(isNoSuchEndpoint(probe("GET /api/v1/no-such-route", ADMIN, null))).isTrue();
    assertThat(isNoSuchEndpoint(probe("PATCH /api/v1/admin/entitlements/{id}", ADMIN, "{}"))).isTrue();
    operations().forEach((operation, doc) -> {
      Answer answer = probe(operation, ADMIN, "{}");
      assertThat(isNoSuchEndpoint(answer)).as("%s is not served: %s", operation, answer).isFalse();
      assertThat(answer.status()).as("%s", answer).isNotEqualTo(405);
      Set<String> statuses = new TreeSet<>();
      doc.get("responses").fieldNames().forEachRemaining(statuses::add);
      if (!statuses.contains("default")) {
        assertThat(statuses).as("documented statuses of %s, which answered %s", operation, answer)
            .containsAnyOf(Integer.toString(answer.status()), answer.status() / 100 + "XX");
      }
      assertMatchesDocument(operation, doc, answer);
    });
  }

  /**
   * A successful call of every operation, in an order that makes each succeed; each answer has
   * the documented status, content type and shape (no field missing, none undocumented).
   */
  @Test
  void successfulAnswersHaveTheDocumentedShape() {
    broker.a1.addVm("vm-1", "desktop", 1);
    broker.clock.runDueTasks();  // a health poll, so that the topology shows counts
    Caller call = new Caller();
    String sessionId =
        call.expect(201, "POST /api/v1/sessions", "alice", json("pool", "desktop")).text("/sessionId");
    call.expect(200, "POST /api/v1/sessions", "alice", json("pool", "desktop"));
    call.expect(200, "GET /api/v1/sessions", "alice", null);
    call.expect(204, "DELETE /api/v1/sessions/{sessionId}", "alice", null, sessionId);
    call.expect(200, "GET /api/v1/me", "alice", null);
    call.expect(200, "GET /api/v1/pools", "alice", null);
    call.expect(200, "GET /api/v1/topology", ADMIN, null);
    call.expect(200, "GET /api/v1/vms", ADMIN, null);
    call.expect(200, "GET /api/v1/vms/summary", ADMIN, null);
    call.expect(200, "GET /", null, null);
    call.expect(200, "GET /admin", null, null);
    call.expect(200, "GET /desktop", null, null);
    call.expect(200, "GET /novnc/{path}", null, null, "core/rfb.js");
    call.expect(200, "GET /portal/{file}", null, null, "portal.js");
    call.expect(200, "GET /webjars/uplot/{version}/dist/{file}", null, null, "1.6.30", "uPlot.min.css");
    call.expect(200, "GET /healthz", null, null);
    call.expect(200, "GET /readyz", null, null);
    call.expect(200, "GET /metrics", null, null);
    call.expect(200, "GET /api/openapi.yaml", null, null);
    call.expect(200, "GET /api/v1/auth/login", null, null);
    String token = call.expect(200, "POST /api/v1/auth/login", null,
        json("username", "bob", "password", PASSWORD)).text("/token");
    call.expectWithToken(204, "POST /api/v1/auth/logout", token, null);

    String admin = "/api/v1/admin";
    call.expect(201, "POST " + admin + "/pools", ADMIN, json("name", "eng", "kind", "dedicated",
        "disconnectedLogoffAfterSeconds", 1800));
    call.expect(200, "GET " + admin + "/pools", ADMIN, null);
    call.expect(200, "GET " + admin + "/pools/{name}", ADMIN, null, "eng");
    call.expect(200, "PATCH " + admin + "/pools/{name}", ADMIN,
        json("displayName", "Engineering", "idleLogoffAfterSeconds", 3600), "eng");
    call.expect(201, "POST " + admin + "/users", ADMIN, json("name", "erin", "password", "erins-password"));
    call.expect(200, "GET " + admin + "/users", ADMIN, null);
    call.expect(200, "GET " + admin + "/users/{name}", ADMIN, null, "erin");
    call.expect(200, "PATCH " + admin + "/users/{name}", ADMIN, json("displayName", "Erin"), "erin");
    call.expect(204, "POST " + admin + "/users/{name}/sign-out", ADMIN, null, "erin");
    call.expect(201, "POST " + admin + "/groups", ADMIN, json("name", "ops"));
    call.expect(200, "GET " + admin + "/groups", ADMIN, null);
    call.expect(204, "PUT " + admin + "/groups/{name}/members/{user}", ADMIN, null, "ops", "erin");
    call.expect(200, "GET " + admin + "/groups/{name}", ADMIN, null, "ops");
    call.expect(204, "DELETE " + admin + "/groups/{name}/members/{user}", ADMIN, null, "ops", "erin");
    String entitlement = call.expect(201, "POST " + admin + "/entitlements", ADMIN,
        json("pool", "eng", "user", "erin")).text("/id");
    call.expect(200, "GET " + admin + "/entitlements", ADMIN, null);
    call.expect(204, "DELETE " + admin + "/entitlements/{id}", ADMIN, null, entitlement);
    call.expect(201, "POST " + admin + "/assignments", ADMIN,
        json("pool", "eng", "user", "erin", "vmId", "eng-1"));
    call.expect(200, "GET " + admin + "/assignments", ADMIN, null);
    call.expect(204, "DELETE " + admin + "/assignments/{vmId}", ADMIN, null, "eng-1");
    call.expect(200, "PUT " + admin + "/vms/{vmId}/maintenance", ADMIN, json("reason", "disk"), "eng-1");
    call.expect(200, "GET " + admin + "/maintenance", ADMIN, null);
    call.expect(204, "DELETE " + admin + "/vms/{vmId}/maintenance", ADMIN, null, "eng-1");
    broker.store.history().flush();
    call.expect(200, "GET " + admin + "/sessions", ADMIN, null);
    call.expect(200, "GET " + admin + "/audit", ADMIN, null);
    String again = call.expect(201, "POST /api/v1/sessions", "alice", json("pool", "desktop")).text("/sessionId");
    call.expect(200, "GET " + admin + "/users/{name}/sessions", ADMIN, null, "alice");
    call.expect(204, "DELETE " + admin + "/users/{name}/sessions/{sessionId}", ADMIN, null, "alice", again);
    String enrollment = call.expect(201, "POST " + admin + "/enrollments", ADMIN, json("vmId", "vm-9")).text("/token");
    call.expect(200, "POST /api/v1/enroll", null, json("vmId", "vm-9", "token", enrollment, "certificateRequest",
        CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-9")));
    call.expect(204, "DELETE " + admin + "/groups/{name}", ADMIN, null, "ops");
    call.expect(204, "DELETE " + admin + "/users/{name}", ADMIN, null, "erin");
    call.expect(204, "DELETE " + admin + "/pools/{name}", ADMIN, null, "eng");

    assertThat(call.called).as("operations called").isEqualTo(operations().keySet());
  }

  @Test
  void operationsNeedCredentialsExactlyWhenTheDocumentSaysSo() {
    boolean securedByDefault = needsCredentials(spec.path("security"));
    operations().forEach((operation, doc) -> {
      JsonNode security = doc.get("security");
      boolean secured = security == null ? securedByDefault : needsCredentials(security);
      Answer anonymous = probe(operation, null, "{}");
      if (secured) {
        TestBroker.assertError(anonymous, 401, "unauthorized");
      } else {
        assertThat(anonymous.status()).as("%s", anonymous).isNotEqualTo(401);
      }
    });
  }

  /** Whether a security list asks for credentials: an empty requirement ({@code {}}) makes them optional. */
  private static boolean needsCredentials(JsonNode security) {
    boolean optional = false;
    for (JsonNode requirement : security) {
      optional |= requirement.isEmpty();
    }
    return security.size() > 0 && !optional;
  }

  /**
   * A body with every documented field (as null, so nothing is changed) is never refused for an
   * unknown field; where the document says no other fields are allowed, one is refused by name.
   */
  @Test
  void requestBodiesTakeExactlyTheDocumentedFields() {
    operations().forEach((operation, doc) -> {
      JsonNode body = doc.path("requestBody").path("content").path("application/json").path("schema");
      if (body.isMissingNode()) {
        return;
      }
      JsonNode schema = resolve(body);
      ObjectNode everyField = TestBroker.JSON.createObjectNode();
      schema.path("properties").fieldNames().forEachRemaining(everyField::putNull);
      Answer documented = probe(operation, ADMIN, everyField.toString());
      assertThat(documented.body()).as("%s", documented).doesNotContain("unknown field");

      if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
        ObjectNode extra = everyField.deepCopy().put(UNDOCUMENTED_FIELD, 1);
        Answer refused = probe(operation, ADMIN, extra.toString());
        JsonNode error = TestBroker.assertError(refused, 400, "bad_request");
        assertThat(error.path("field").asText()).as("%s", refused).isEqualTo(UNDOCUMENTED_FIELD);
      }
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** "METHOD /path" to the operation's document, in document order. */
  private Map<String, JsonNode> operations() {
    Map<String, JsonNode> operations = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields(); paths.hasNext(); ) {
      Map.Entry<String, JsonNode> path = paths.next();
      path.getValue().fields().forEachRemaining(op -> {
        if (METHODS.contains(op.getKey())) {
          operations.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), op.getValue());
        }
      });
    }
    return operations;
  }

  /** The operation with every path parameter set to "probe"; {@code body} only where one is sent. */
  private Answer probe(String operation, String user, String body) {
    String method = operation.substring(0, operation.indexOf(' '));
    String path = operation.substring(operation.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "probe");
    boolean sendsBody = Set.of("POST", "PUT", "PATCH").contains(method);
    return api.send(user, PASSWORD, method, path, sendsBody ? body : null, null);
  }

  private static boolean isNoSuchEndpoint(Answer answer) {
    return answer.status() == 404 && answer.json().path("error").asText().equals("not_found")
        && answer.json().path("message").asText().startsWith("no such endpoint");
  }

  /** Calls documented operations and checks each answer against the document. */
  private final class Caller {
    final Map<String, JsonNode> operations = operations();
    final Set<String> called = new TreeSet<>();

    /** Calls the operation with its path parameters set to {@code values}, in order. */
    Answer expect(int status, String operation, String user, String body, String... values) {
      return call(status, operation, user, null, body, values);
    }

    /** The same, signed in with a bearer token instead of {@code user}'s password. */
    Answer expectWithToken(int status, String operation, String token, String body) {
      return call(status, operation, null, token, body);
    }

    private Answer call(int status, String operation, String user, String token, String body, String... values) {
      JsonNode doc = operations.get(operation);
      assertThat(doc).as("%s is documented", operation).isNotNull();
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1);
      for (String value : values) {
        path = path.replaceFirst("\\{[^}]+}", TestBroker.segment(value));
      }
      Answer answer = token != null ? api.sendWithToken(token, method, path, body)
          : api.send(user, PASSWORD, method, path, body, null);
      assertThat(answer.status()).as("%s", answer).isEqualTo(status);
      assertMatchesDocument(operation, doc, answer);
      called.add(operation);
      return answer;
    }
  }

  /** The answer's content type and JSON body are those documented for its status. */
  private void assertMatchesDocument(String operation, JsonNode doc, Answer answer) {
    JsonNode response = doc.path("responses").path(Integer.toString(answer.status()));
    if (response.isMissingNode()) {
      return;  // a status not documented is the business of the status check
    }
    JsonNode content = resolve(response).path("content");
    if (content.isMissingNode() || content.isEmpty()) {
      assertThat(answer.body()).as("%s: no body documented", answer).isEmpty();
      return;
    }
    String type = answer.header("Content-Type").orElse("").split(";")[0].strip();
    assertThat(content.has(type)).as("%s: content type %s documented as %s", operation, type,
        content.properties().stream().map(Map.Entry::getKey).toList()).isTrue();
    if (type.equals("application/json")) {
      List<String> problems = new ArrayList<>();
      check(answer.json(), content.path(type).path("schema"), "$", problems);
      assertThat(problems).as("%s: %s", operation, answer).isEmpty();
    }
  }

  /**
   * Adds to {@code problems} where {@code value} breaks {@code schema}: a missing required or an
   * undocumented property, a wrong type or format, a value outside const or enum. Enough of JSON
   * Schema for this document: $ref, allOf (merged), oneOf/anyOf, type, properties, required,
   * items, const, enum, format date-time.
   */
  private void check(JsonNode value, JsonNode schemaOrRef, String where, List<String> problems) {
    JsonNode schema = resolve(schemaOrRef);
    List<JsonNode> parts = new ArrayList<>(List.of(schema));
    schema.path("allOf").forEach(part -> parts.add(resolve(part)));
    for (String choice : List.of("oneOf", "anyOf")) {
      if (schema.has(choice)) {
        boolean any = false;
        for (JsonNode option : schema.get(choice)) {
          List<String> optionProblems = new ArrayList<>();
          check(value, option, where, optionProblems);
          any |= optionProblems.isEmpty();
        }
        if (!any) {
          problems.add(where + ": matches no " + choice + " option: " + value);
        }
      }
    }
    Set<String> properties = new TreeSet<>();
    boolean anyProperties = false;
    for (JsonNode part : parts) {
      JsonNode type = part.get("type");
      if (type != null && !typeMatches(value, type)) {
        problems.add(where + ": " + value + " is not " + type);
        return;
      }
      if (part.has("const") && !part.get("const").equals(value)) {
        problems.add(where + ": " + value + " is not " + part.get("const"));
      }
      if (part.has("enum") && !contains(part.get("enum"), value)) {
        problems.add(where + ": " + value + " is not one of " + part.get("enum"));
      }
      if ("date-time".equals(part.path("format").asText()) && value.isTextual()) {
        try {
          OffsetDateTime.parse(value.asText());
        } catch (DateTimeException e) {
          problems.add(where + ": " + value + " is not a date-time");
        }
      }
      part.path("required").forEach(name -> {
        if (value.isObject() && !value.has(name.asText())) {
          problems.add(where + ": required " + name.asText() + " is missing");
        }
      });
      if (part.has("properties")) {
        anyProperties = true;
        part.get("properties").properties().forEach(p -> {
          properties.add(p.getKey());
          if (value.isObject() && value.has(p.getKey())) {
            check(value.get(p.getKey()), p.getValue(), where + "." + p.getKey(), problems);
          }
        });
      }
      if (part.has("items") && value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          check(value.get(i), part.get("items"), where + "[" + i + "]", problems);
        }
      }
    }
    if (anyProperties && value.isObject()) {
      value.fieldNames().forEachRemaining(name -> {
        if (!properties.contains(name)) {
          problems.add(where + ": " + name + " is not documented");
        }
      });
    }
  }

  private static boolean typeMatches(JsonNode value, JsonNode type) {
    if (type.isArray()) {
      for (JsonNode each : type) {
        if (typeMatches(value, each)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> false;
    };
  }

  private static boolean contains(JsonNode values, JsonNode value) {
    for (JsonNode each : values) {
      if (each.equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** Follows a local {@code $ref}. */
  private JsonNode resolve(JsonNode schema) {
    JsonNode ref = schema.get("$ref");
    if (ref == null) {
      return schema;
    }
    assertThat(ref.asText()).startsWith("#/");
    return resolve(spec.at(ref.asText().substring(1)));
  }

  /** What the broker's Javalin router holds, wired the way {@link BrokerServer} wires it. */
  private Set<String> registeredRoutes() {
    Topology topology = Topology.newBuilder()
        .addSets(ConcentratorSet.newBuilder().setId("a")
            .addConcentrators(ConcentratorEndpoint.newBuilder().setId("c1").setAddress("routes-only")))
        .build();
    BrokerSettings settings = BrokerSettings.of("routes", "127.0.0.1", 0, topology);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Set<String> routes = new TreeSet<>();
    try (ConcentratorDirectory directory = new ConcentratorDirectory(topology,
        address -> InProcessChannelBuilder.forName(address).build(), broker.clock, broker.clock,
        Duration.ofSeconds(1))) {
      BrokerMetrics metrics = new BrokerMetrics(meters, directory);
      DrainedVms drained = new DrainedVms(broker.store.maintenance(), broker.clock);
      SessionPlacer placer =
          new SessionPlacer(settings, directory, broker.store, drained, metrics, broker.clock, broker.clock);
      HttpApi http = new HttpApi(settings, broker.store, new Authenticator(broker.store.accounts(), broker.clock),
          placer, new SessionListing(directory, Duration.ofSeconds(1)),
          new SessionEnding(directory, new Vouching(directory, Duration.ofSeconds(30)), broker.store, "routes",
              Duration.ofSeconds(1), broker.clock),
          directory, drained, metrics, meters, broker.clock);
      Javalin app = Javalin.create(http::configure);
      List<Endpoint> endpoints = new ArrayList<>();
      app.unsafe.internalRouter.allHttpHandlers().forEach(parsed -> endpoints.add(parsed.endpoint));
      for (Endpoint endpoint : endpoints) {
        if (endpoint.method.isHttpMethod()) {
          // Javalin's <name> takes slashes too; OpenAPI writes every path parameter {name}
          routes.add(endpoint.method.name() + " " + endpoint.path.replaceAll("<([^>]+)>", "{$1}"));
        }
      }
    }
    assertThat(routes).as("routes found in the router").isNotEmpty();
    return routes;
  }
}
