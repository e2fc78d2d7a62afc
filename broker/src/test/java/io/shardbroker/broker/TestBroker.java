package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Actor;
import io.shardbroker.store.AuditEntry;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker over real HTTP for the feature tests, with everything around it: one concentrator set
 * "a" of two {@link FakeConcentrator}s over in-process gRPC, a real store (a fresh in-memory H2
 * database unless a JDBC URL is given), a {@link FakeClock} that stamps history and audit and
 * drives health checks, and an HTTP client. More brokers can join the same fakes and database,
 * as broker processes behind one load balancer would.
 *
 * <p>The seed ({@link #seed}) has users alice, bob, carol and dave in group {@code staff}, which
 * may use the floating pools {@code desktop} (single session) and {@code shared} (multi), and
 * {@value #ADMIN}, the only member of {@code admins}; every password is {@value #PASSWORD}.
 */
final class TestBroker implements AutoCloseable {

  static final String PASSWORD = "secret-pw";
  static final String ADMIN = "root";
  static final String BROKER_ID = "test-broker";
  /** Who the tests' own store changes are by, in the audit log. */
  static final Actor SETUP = new Actor("test-setup", "test");
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(15);

  final FakeClock clock = new FakeClock();
  final FakeConcentrator a1;
  final FakeConcentrator a2;
  final String storeUrl;
  final Store store;
  /** The first broker's API. */
  final Api api;
  private final Topology topology;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
  private final List<BrokerServer> brokers = new ArrayList<>();
  private final List<Store> stores = new ArrayList<>();

  private TestBroker(String storeUrl, UnaryOperator<BrokerSettings> tune) throws IOException {
    // In-process server names are global to the JVM: unique ones keep fixtures apart.
    String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "-";
    a1 = new FakeConcentrator(prefix + "a1", "a");
    a2 = new FakeConcentrator(prefix + "a2", "a");
    topology = Topology.newBuilder().setVersion(1).addSets(set("a", a1, a2)).build();
    this.storeUrl = storeUrl;
    this.store = openStore(storeUrl);
    store.apply(seed(), new Actor("seed", "test"));
    this.api = startBroker(BROKER_ID, store, tune);
  }

  /** A broker on a fresh in-memory H2 store. */
  static TestBroker start() throws IOException {
    return new TestBroker(memoryUrl(), settings -> settings);
  }

  /** A broker on a fresh in-memory H2 store, with the test's settings changed by {@code tune}. */
  static TestBroker start(UnaryOperator<BrokerSettings> tune) throws IOException {
    return new TestBroker(memoryUrl(), tune);
  }

  /** A broker on the (empty) database at {@code storeUrl}, for example a PostgreSQL one. */
  static TestBroker start(String storeUrl) throws IOException {
    return new TestBroker(storeUrl, settings -> settings);
  }

  /** Another store on this test's database, closed with the fixture (or earlier by the test). */
  Store openStore(String url) {
    Store opened = Store.open(StoreSettings.of(url, null, null).withPasswordHashing(PasswordHashing.FAST), clock);
    stores.add(opened);
    return opened;
  }

  /** Another broker on the same concentrators and the given store; its API. */
  Api startBroker(String brokerId, Store on) {
    return startBroker(brokerId, on, settings -> settings);
  }

  /** As {@link #startBroker(String, Store)}, with the test's settings changed by {@code tune}. */
  Api startBroker(String brokerId, Store on, UnaryOperator<BrokerSettings> tune) {
    BrokerSettings settings = tune.apply(BrokerSettings.of(brokerId, "127.0.0.1", 0, topology)
        .withTimeouts(timeouts(Duration.ofSeconds(6))));
    BrokerServer broker = new BrokerServer(settings, on,
        address -> InProcessChannelBuilder.forName(address).build(), clock, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
    brokers.add(broker);
    return new Api("http://127.0.0.1:" + broker.port(), http);
  }

  /**
   * The multi-session pool {@code shared}: {@code host-1} on a1 with carol's session (1 of 4),
   * {@code host-2} on a2 with two sessions of others (2 of 4).
   */
  void addSharedHosts() {
    a1.addVm("host-1", "shared", 4);
    a1.addSession("host-1", "carol-1", "carol");
    a2.addVm("host-2", "shared", 4);
    a2.addSession("host-2", "x-1", "someone");
    a2.addSession("host-2", "x-2", "someone-else");
  }

  /** Stops the brokers (not the stores): what a broker's shutdown does before its store closes. */
  /**
   * How many refusals the audit log's rows of {@code action} stand for: one a row, or the count a
   * row of repeats gives ({@link Refusals}).
   */
  long refusedTimes(String action) {
    Pattern repeats = Pattern.compile("(\\d+) more like this.*");
    return store.audit().query(new AuditEntry.Query(null, action, null, null, null, null)).items().stream()
        .mapToLong(e -> {
          Matcher m = repeats.matcher(e.detail());
          return m.matches() ? Long.parseLong(m.group(1)) : 1;
        }).sum();
  }

  void stopBrokers() {
    for (BrokerServer broker : brokers) {
      broker.close();
    }
    brokers.clear();
  }

  @Override
  public void close() {
    stopBrokers();
    for (Store each : stores.reversed()) {
      each.close();
    }
    a1.close();
    a2.close();
  }

  /**
   * A broker over fake concentrators in two sets, a = {a1, a2} and b = {b1, b2}, on a fresh
   * seeded in-memory store; time and timers from {@code clock}. Close the store after the broker.
   */
  record TwoSets(BrokerServer broker, Store store) {
    /** The topology version the broker starts with; tests offer newer ones. */
    static final long VERSION = 3;

    static TwoSets start(
        FakeConcentrator a1, FakeConcentrator a2, FakeConcentrator b1, FakeConcentrator b2,
        FakeClock clock, PrometheusMeterRegistry meters, Duration rehome) {
      Topology topology = Topology.newBuilder().setVersion(VERSION)
          .addSets(set("a", a1, a2))
          .addSets(set("b", b1, b2))
          .build();
      Store store = memoryStore(clock);
      store.apply(seed(), SETUP);
      BrokerServer broker = new BrokerServer(
          BrokerSettings.of(BROKER_ID, "127.0.0.1", 0, topology).withTimeouts(timeouts(rehome)), store,
          address -> InProcessChannelBuilder.forName(address).build(), clock, clock, meters).start();
      return new TwoSets(broker, store);
    }
  }

  /** A signed-in test user whose home set, of two, is {@code setId} (requests try it first). */
  static String userAtHome(String setId) {
    for (String user : List.of("alice", "bob", "carol", "dave")) {
      if (SessionPlacer.homeSetIndex(user, 2) == (setId.equals("a") ? 0 : 1)) {
        return user;
      }
    }
    throw new IllegalStateException("no test user has home set " + setId);
  }

  /** Short deadlines for tests; {@code rehome} as the test needs it. */
  static BrokerSettings.Timeouts timeouts(Duration rehome) {
    return new BrokerSettings.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(2),
        Duration.ofSeconds(7), rehome);
  }

  /** A set of the topology with these fake concentrators, in order. */
  static ConcentratorSet set(String id, FakeConcentrator... members) {
    ConcentratorSet.Builder set = ConcentratorSet.newBuilder().setId(id);
    for (FakeConcentrator m : members) {
      set.addConcentrators(ConcentratorEndpoint.newBuilder().setId(m.id).setAddress(m.address()));
    }
    return set.build();
  }

  // ---- store -------------------------------------------------------------------------------------

  static Seed seed() {
    List<User.New> users = new ArrayList<>(List.of("alice", "bob", "carol", "dave").stream()
        .map(name -> new User.New(name, name, PASSWORD, true, List.of("staff")))
        .toList());
    users.add(new User.New(ADMIN, "Administrator", PASSWORD, true, List.of(Group.ADMINS)));
    return new Seed(
        List.of(new Pool("desktop", "Desktops", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
            new Pool("shared", "Shared hosts", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true)),
        List.of(new Group("staff", "", List.of()), new Group(Group.ADMINS, "", List.of())),
        users,
        List.of(new Seed.SeedEntitlement("desktop", null, "staff"),
            new Seed.SeedEntitlement("shared", null, "staff")));
  }

  /** The URL of a fresh in-memory H2 database that lives until the JVM exits. */
  static String memoryUrl() {
    return "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  }

  /** A fresh in-memory store with cheap password hashes. */
  static Store memoryStore(Clock clock) {
    return Store.open(StoreSettings.of(memoryUrl(), null, null).withPasswordHashing(PasswordHashing.FAST), clock);
  }

  // ---- JSON and URLs -----------------------------------------------------------------------------

  /** A JSON object from alternating names and values (strings, booleans, numbers, lists or null). */
  static String json(Object... namesAndValues) {
    ObjectNode node = JSON.createObjectNode();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      node.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
    }
    return node.toString();
  }

  /** One path segment, URL-encoded (a space is %20, a slash %2F). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Asserts the one JSON error shape; returns the body. */
  static JsonNode assertError(Answer answer, int status, String code) {
    assertThat(answer.status()).as("%s", answer).isEqualTo(status);
    assertThat(answer.header("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    JsonNode body = answer.json();
    assertThat(body.path("error").asText()).as("%s", answer).isEqualTo(code);
    assertThat(body.path("message").asText()).isNotBlank();
    return body;
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  /** An HTTP answer; {@link #json} parses the body. */
  record Answer(String method, String path, int status, String body, HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    /** The text at a JSON pointer such as {@code /vmId}. */
    String text(String pointer) {
      return json().at(pointer).asText();
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status + " " + body;
    }
  }

  /** One broker's HTTP API, signed in as the named user with {@value #PASSWORD} unless told. */
  static final class Api {
    final String base;
    private final HttpClient http;
    /** Every answer this client got, for checks across a whole test (no password leaks). */
    final List<Answer> answers = new CopyOnWriteArrayList<>();

    Api(String base, HttpClient http) {
      this.base = base;
      this.http = http;
    }

    Answer get(String user, String path) {
      return send(user, PASSWORD, "GET", path, null, null);
    }

    Answer post(String user, String path, String body) {
      return send(user, PASSWORD, "POST", path, body, null);
    }

    Answer put(String user, String path, String body) {
      return send(user, PASSWORD, "PUT", path, body, null);
    }

    Answer patch(String user, String path, String body) {
      return send(user, PASSWORD, "PATCH", path, body, null);
    }

    Answer delete(String user, String path) {
      return send(user, PASSWORD, "DELETE", path, null, null);
    }

    /** Asks for a desktop in the pool. */
    Answer openSession(String user, String pool) {
      return post(user, "/api/v1/sessions", json("pool", pool));
    }

    /** Ends one of the user's sessions. */
    Answer endSession(String user, String sessionId) {
      return delete(user, "/api/v1/sessions/" + segment(sessionId));
    }

    /**
     * Any request: {@code user} null sends no credentials, {@code body} null none, {@code requestId}
     * null no X-Request-Id.
     */
    Answer send(String user, String password, String method, String path, String body, String requestId) {
      return sendAsync(user, password, method, path, body, requestId).join();
    }

    /** A request signed in with a bearer token from {@code POST /api/v1/auth/login}. */
    Answer sendWithToken(String token, String method, String path, String body) {
      return sendAsync("Bearer " + token, method, path, body, null).join();
    }

    CompletableFuture<Answer> sendAsync(
        String user, String password, String method, String path, String body, String requestId) {
      return sendAsync(basic(user, password), method, path, body, requestId);
    }

    private static String basic(String user, String password) {
      return user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
          (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A request signed in as {@code user} with {@code headers} as given: a body goes with no
     * Content-Type unless they name one. As a browser sends it, with Origin or Sec-Fetch-Site.
     */
    Answer sendWithHeaders(String user, String method, String path, String body, Map<String, String> headers) {
      HttpRequest.Builder request = request(basic(user, PASSWORD), method, path, body);
      headers.forEach(request::header);
      return send(method, path, request).join();
    }

    private CompletableFuture<Answer> sendAsync(
        String authorization, String method, String path, String body, String requestId) {
      HttpRequest.Builder request = request(authorization, method, path, body);
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      if (requestId != null) {
        request.header("X-Request-Id", requestId);
      }
      return send(method, path, request);
    }

    private HttpRequest.Builder request(String authorization, String method, String path, String body) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(HTTP_TIMEOUT)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      return request;
    }

    private CompletableFuture<Answer> send(String method, String path, HttpRequest.Builder request) {
      return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
        Answer answer = new Answer(method, path, r.statusCode(), r.body(), r.headers());
        answers.add(answer);
        return answer;
      });
    }
  }
}
