package io.shardbroker.tools.centraldb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import io.javalin.security.BasicAuthCredentials;
import io.shardbroker.broker.BrokerException;
import io.shardbroker.broker.HttpErrors;
import io.shardbroker.broker.JsonErrorHandler;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Authenticator;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The central-db baseline's broker: what teams build instead of our sharded design. One process
 * keeps no VM state of its own; every VM's state is a row of {@code cdb_vm} in PostgreSQL (see
 * {@link CentralDbSchema}), and a brokering is one transaction on it that claims a seat with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED}. It serves the subset of the broker's HTTP API that
 * the load generator drives, with the same JSON shapes and error codes:
 * <ul>
 *   <li>{@code POST /api/v1/sessions} {@code {"pool": "desktop"}} with HTTP Basic: 201 and the new
 *       session, 200 ({@code "reconnected": true}) with the user's session in that pool when they
 *       have one (one session per user per pool), 401 {@code unauthorized} (with
 *       {@code WWW-Authenticate}), 403 {@code not_entitled}, 400 {@code bad_request}, 503
 *       {@code pool_exhausted} or {@code store_unavailable} (with {@code Retry-After: 5});
 *   <li>{@code GET /readyz}: 200 when the VM database answers, 503 otherwise;
 *   <li>{@code GET /api/v1/bench-counters}: brokerings, statements and transactions so far
 *       ({@link BenchCounters}), without authentication.
 * </ul>
 * Every error is {@code {"error": code, "message": text}}, never a stack trace.
 *
 * <p>Users, passwords and entitlements come from the {@link Store}, as in the sharded broker, and
 * a successful sign-in is remembered for 30 seconds the same way, so both designs pay the same for
 * them. A VM is claimable while it has room, accepts sessions and has reported within the silence
 * limit; {@link CentralDbFleet} provides those reports.
 *
 * <p>In this design the agent, once it has started a session, writes its new state into the
 * database. This class stands in for that write so the database carries its load: after answering
 * 201, it queues an update of the VM's {@code state_sequence} and {@code last_heartbeat}, which a
 * few virtual threads write from a bounded queue (full queue: the write is dropped, counted and
 * warned about). Those writes count in {@link BenchCounters}.
 *
 * <p>Refusals and starts are logged at debug only: the benchmark runs thousands a second.
 *
 * <p>Thread-safe. The caller owns the store and the data source and closes them after the broker.
 */
public final class CentralDbBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CentralDbBroker.class);

  /** How long a VM may go without a heartbeat and still be claimed: three 5-second intervals. */
  public static final Duration SILENCE_LIMIT_DEFAULT = Duration.ofSeconds(15);
  static final Duration RETRY_AFTER = Duration.ofSeconds(5);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int ACCEPT_QUEUE = 4096;
  private static final int READY_CHECK_SECONDS = 2;
  private static final Duration FAILURE_WARNING_EVERY = Duration.ofSeconds(1);
  private static final String EXAMPLE = "{\"pool\": \"desktop\"}";

  /** The answer of {@code GET /api/v1/bench-counters}; see {@link Tally} for what counts. */
  public record BenchCounters(long brokerings, long statements, long transactions) {}

  record SessionView(
      String sessionId, String user, String pool, String vmId, boolean reconnected, String startedAt) {}

  record Status(String status) {}

  private final Store store;
  private final DataSource db;
  private final String host;
  private final int port;
  private final Duration silenceLimit;
  private final Authenticator credentials;
  private final Tally tally = new Tally();
  private final SessionClaims claims;
  private final StateWrites stateWrites;
  private final Javalin http;
  private final Clock clock;
  private final AtomicLong databaseFailures = new AtomicLong();
  private final AtomicLong lastFailureWarning = new AtomicLong(Long.MIN_VALUE / 2);

  /**
   * @param vmDatabase the pool for the VM tables ({@link CentralDbSchema#openPool})
   * @param port 0 for any free port ({@link #port()} tells which)
   * @param silenceLimit how old a VM's last heartbeat may be for it to be claimed
   * @param clock for the sign-in cache and the sessions' start times
   */
  public CentralDbBroker(
      Store store, DataSource vmDatabase, String host, int port, Duration silenceLimit, Clock clock) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("the HTTP port must be 0..65535, got " + port);
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the HTTP host must be given, got '" + host + "'");
    }
    if (silenceLimit == null || silenceLimit.isNegative() || silenceLimit.isZero()) {
      throw new IllegalArgumentException("the silence limit must be positive, got " + silenceLimit);
    }
    this.store = store;
    this.db = vmDatabase;
    this.host = host;
    this.port = port;
    this.silenceLimit = silenceLimit;
    this.clock = clock;
    this.credentials = new Authenticator(store.accounts(), clock);
    this.claims = new SessionClaims(vmDatabase, silenceLimit, clock, tally);
    this.stateWrites = new StateWrites(vmDatabase, tally);
    this.http = Javalin.create(this::configure);
  }

  /** A broker with the default silence limit and the system clock. */
  public CentralDbBroker(Store store, DataSource vmDatabase, String host, int port) {
    this(store, vmDatabase, host, port, SILENCE_LIMIT_DEFAULT, Clock.systemUTC());
  }

  /** Creates the VM tables where missing, then listens; returns when the port is bound. */
  public CentralDbBroker start() {
    CentralDbSchema.create(db);
    http.start();
    log.info("central-db broker listening on http://{}:{} (silence limit {} s)", host, port(),
        silenceLimit.toMillis() / 1000.0);
    return this;
  }

  /** The HTTP port, once started. */
  public int port() {
    return http.port();
  }

  /** What the broker asked of the database so far. */
  public BenchCounters counters() {
    return tally.snapshot();
  }

  /** Agent state writes dropped because their queue was full. */
  public long stateWritesDropped() {
    return stateWrites.dropped();
  }

  /** Stops listening, then writes the queued agent state writes (for a few seconds at most). */
  @Override
  public void close() {
    http.stop();
    stateWrites.close();
    log.info("central-db broker stopped");
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private void configure(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.jetty.addConnector((server, httpConfig) -> {
      ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
      connector.setHost(host);
      connector.setPort(port);
      // A logon storm opens connections by the thousand; the OS default backlog (50) resets them.
      connector.setAcceptQueueSize(ACCEPT_QUEUE);
      return connector;
    });
    config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
    config.concurrency.useVirtualThreads = true;
    config.http.maxRequestSize = 64 * 1024;
    config.routes.post("/api/v1/sessions", this::openSession);
    config.routes.get("/api/v1/bench-counters", ctx -> send(ctx, 200, tally.snapshot()));
    config.routes.get("/healthz", ctx -> send(ctx, 200, new Status("ok")));
    config.routes.get("/readyz", this::ready);
    config.routes.exception(BrokerException.class, (e, ctx) -> refuse(ctx, e));
    config.routes.exception(SQLException.class, (e, ctx) -> unavailable(ctx, e.getMessage()));
    config.routes.exception(StoreException.class, (e, ctx) -> {
      if (e.kind() == Reason.STORE_UNAVAILABLE) {
        unavailable(ctx, e.getMessage());
      } else {
        internal(ctx, e);
      }
    });
    config.routes.exception(HttpResponseException.class, (e, ctx) -> refuse(ctx, HttpErrors.ofStatus(e.getStatus()),
        e instanceof EndpointNotFound ? noSuchEndpoint(ctx) : e.getMessage()));
    config.routes.exception(Exception.class, (e, ctx) -> internal(ctx, e));
    config.routes.error(404, ctx -> {
      if (!HttpErrors.answered(ctx)) {  // a 404 of ours already has its body
        refuse(ctx, Reason.NOT_FOUND, noSuchEndpoint(ctx));
      }
    });
    config.routes.error(405, ctx -> refuse(ctx, Reason.METHOD_NOT_ALLOWED,
        ctx.method() + " is not allowed on " + ctx.path()));
  }

  private void openSession(Context ctx) throws SQLException {
    String user = authenticate(ctx);
    String pool = requestedPool(ctx);
    if (store.entitlements().entitledPool(user, pool).isEmpty()) {
      log.debug("refused {} pool {}: not entitled", user, pool);
      throw new BrokerException(Reason.NOT_ENTITLED, "you may not use a pool named '" + pool + "'");
    }
    Optional<SessionClaims.Claimed> claimed = claims.claim(user, pool);
    if (claimed.isEmpty()) {
      log.debug("refused {} pool {}: no VM free", user, pool);
      throw new BrokerException(Reason.POOL_EXHAUSTED, "no desktop is free in pool '" + pool + "' right now; "
          + "try again shortly");
    }
    SessionClaims.Session s = claimed.get().session();
    boolean reconnected = claimed.get().reconnected();
    send(ctx, reconnected ? 200 : 201, new SessionView(s.id().toString(), s.user(), s.pool(),
        s.vmId(), reconnected, s.startedAt().toString()));
    if (!reconnected) {
      log.debug("started session {} of {} in pool {} on {}", s.id(), user, pool, s.vmId());
      stateWrites.submit(s.vmId());
    }
  }

  private String authenticate(Context ctx) {
    BasicAuthCredentials given;
    try {
      given = ctx.basicAuthCredentials();
    } catch (RuntimeException e) {
      given = null;  // malformed header
    }
    if (given == null) {
      log.debug("refused a request without credentials from {}", ctx.ip());
      throw new BrokerException(Reason.UNAUTHORIZED, "sign in with HTTP Basic authentication");
    }
    if (credentials.authenticate(given.getUsername(), given.getPassword()).isEmpty()) {
      log.debug("refused sign-in of '{}' from {}", given.getUsername(), ctx.ip());
      throw new BrokerException(Reason.UNAUTHORIZED, "wrong user name or password");
    }
    return given.getUsername();
  }

  /** The pool the body names; other fields (such as the broker's {@code requestId}) are ignored. */
  private static String requestedPool(Context ctx) {
    String text = ctx.body();
    if (text == null || text.isBlank()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the request needs a JSON body such as " + EXAMPLE);
    }
    JsonNode body;
    try {
      body = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new BrokerException(Reason.BAD_REQUEST, "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (body == null || !body.isObject()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the body must be a JSON object such as " + EXAMPLE);
    }
    JsonNode pool = body.get("pool");
    if (pool == null || pool.isNull()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the field \"pool\" is missing");
    }
    if (!pool.isTextual() || pool.asText().isBlank()) {
      throw new BrokerException(Reason.BAD_REQUEST, "the field \"pool\" must be a non-empty string");
    }
    return pool.asText();
  }

  private void ready(Context ctx) {
    boolean answers;
    try (Connection c = db.getConnection()) {
      answers = c.isValid(READY_CHECK_SECONDS);
    } catch (SQLException e) {
      answers = false;
    }
    if (answers) {
      send(ctx, 200, new Status("ready"));
    } else {
      refuse(ctx, Reason.NOT_READY, "the VM database does not answer");
    }
  }

  private static void refuse(Context ctx, BrokerException e) {
    if (e.kind() == Reason.UNAUTHORIZED) {
      ctx.header("WWW-Authenticate", "Basic realm=\"shardbroker\", charset=\"UTF-8\"");
    }
    refuse(ctx, e.kind(), e.getMessage());
  }

  private static void refuse(Context ctx, Reason reason, String message) {
    HttpErrors.send(ctx, reason, message, null, RETRY_AFTER);
  }

  /** 503 for a failure of the database; warns at most once a second (an outage fails thousands). */
  private void unavailable(Context ctx, String why) {
    long failures = databaseFailures.incrementAndGet();
    long now = clock.millis();
    long last = lastFailureWarning.get();
    if (now - last >= FAILURE_WARNING_EVERY.toMillis() && lastFailureWarning.compareAndSet(last, now)) {
      log.warn("{} {} failed on the database ({} failure(s) so far): {}", ctx.method(), ctx.path(),
          failures, why);
    }
    refuse(ctx, Reason.STORE_UNAVAILABLE, "the broker's database cannot be reached; try again shortly");
  }

  private static void internal(Context ctx, Exception e) {
    log.error("{} {} failed", ctx.method(), ctx.path(), e);
    refuse(ctx, Reason.INTERNAL, "the broker failed to answer");
  }

  private static void send(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName(), e);
    }
  }

  private static String noSuchEndpoint(Context ctx) {
    return "no such endpoint: " + ctx.method() + " " + ctx.path();
  }
}
