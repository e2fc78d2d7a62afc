package io.shardbroker.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.security.BasicAuthCredentials;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.ApiViews.ConcentratorItem;
import io.shardbroker.broker.ApiViews.ErrorBody;
import io.shardbroker.broker.BrokerException.Kind;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.VmStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The broker's HTTP API: JSON in and out, HTTP Basic authentication, one error shape
 * ({@code {"error": code, "message": text}}) for every failure, and a request id on every answer
 * ({@code X-Request-Id}) that the logs of broker, concentrator and agent all name.
 */
final class HttpApi {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String JSON = "application/json";
  private static final int ACCEPT_QUEUE = 4096;
  private static final String USER = "shardbroker.user";
  private static final String REQUEST = "shardbroker.requestId";
  private static final String STARTED = "shardbroker.startedNanos";
  private static final String ANSWERED = "shardbroker.answered";

  private final BrokerSettings settings;
  private final Authenticator authenticator;
  private final SessionBroker broker;
  private final ConcentratorDirectory directory;
  private final BrokerMetrics metrics;
  private final PrometheusMeterRegistry meters;
  private final ObjectMapper mapper = new ObjectMapper();

  HttpApi(
      BrokerSettings settings, Authenticator authenticator, SessionBroker broker,
      ConcentratorDirectory directory, BrokerMetrics metrics, PrometheusMeterRegistry meters) {
    this.settings = settings;
    this.authenticator = authenticator;
    this.broker = broker;
    this.directory = directory;
    this.metrics = metrics;
    this.meters = meters;
  }

  void configure(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.jetty.addConnector((server, httpConfig) -> {
      ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
      connector.setHost(settings.httpHost());
      connector.setPort(settings.httpPort());
      // A logon storm opens connections by the thousand; the OS default backlog (50) resets them.
      connector.setAcceptQueueSize(ACCEPT_QUEUE);
      return connector;
    });
    config.concurrency.useVirtualThreads = true;
    config.http.maxRequestSize = 64 * 1024;
    config.routes.before(this::begin);
    config.routes.before("/api/*", this::authenticate);
    config.routes.post("/api/v1/sessions", this::openSession);
    config.routes.get("/api/v1/sessions", this::listSessions);
    config.routes.delete("/api/v1/sessions/{sessionId}", this::endSession);
    config.routes.get("/api/v1/topology", this::topology);
    config.routes.get("/api/v1/vms", this::vms);
    config.routes.get("/api/v1/pools", this::pools);
    config.routes.get("/healthz", ctx -> send(ctx, 200, new ApiViews.Status("ok")));
    config.routes.get("/readyz", this::ready);
    config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(meters.scrape()));
    config.routes.after(this::finish);
    config.routes.exception(BrokerException.class, (e, ctx) -> fail(ctx, e));
    config.routes.exception(HttpResponseException.class, (e, ctx) ->
        send(ctx, e.getStatus(), new ErrorBody(httpCode(e.getStatus()), e.getMessage())));
    config.routes.exception(Exception.class, (e, ctx) -> {
      log.error("[{}] {} {} failed", requestId(ctx), ctx.method(), ctx.path(), e);
      send(ctx, 500, new ErrorBody("internal", "the broker failed to answer; the request id is "
          + requestId(ctx)));
    });
    config.routes.error(404, ctx -> {
      if (ctx.attribute(ANSWERED) == null) {  // a 404 of ours already has its body
        send(ctx, 404, new ErrorBody("not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()));
      }
    });
    config.routes.error(405, ctx -> send(ctx, 405, new ErrorBody("method_not_allowed",
        ctx.method() + " is not allowed on " + ctx.path())));
  }

  // ---- request lifecycle ---------------------------------------------------------------------

  private void begin(Context ctx) {
    String given = ctx.header("X-Request-Id");
    String id = given != null && REQUEST_ID.matcher(given).matches() ? given : newRequestId();
    ctx.attribute(REQUEST, id);
    ctx.attribute(STARTED, System.nanoTime());
    ctx.header("X-Request-Id", id);
    MDC.put("requestId", id);
  }

  private void finish(Context ctx) {
    Long began = ctx.attribute(STARTED);
    String user = ctx.attribute(USER);
    if (log.isDebugEnabled() && began != null) {
      log.debug("{} {} -> {} ({} ms) user={}", ctx.method(), ctx.path(), ctx.status().getCode(),
          (System.nanoTime() - began) / 1_000_000, user);
    }
    MDC.remove("requestId");
  }

  private void authenticate(Context ctx) {
    if (ctx.method() == HandlerType.OPTIONS) {
      return;
    }
    BasicAuthCredentials credentials;
    try {
      credentials = ctx.basicAuthCredentials();
    } catch (RuntimeException e) {
      credentials = null;  // malformed header
    }
    if (credentials == null) {
      throw new BrokerException(Kind.UNAUTHORIZED, "sign in with HTTP Basic authentication");
    }
    if (!authenticator.authenticate(credentials.getUsername(), credentials.getPassword())) {
      log.info("[{}] refused sign-in of '{}' from {}", requestId(ctx), credentials.getUsername(), ctx.ip());
      throw new BrokerException(Kind.UNAUTHORIZED, "wrong user name or password");
    }
    ctx.attribute(USER, credentials.getUsername());
  }

  // ---- sessions ------------------------------------------------------------------------------

  private void openSession(Context ctx) {
    long began = System.nanoTime();
    String outcome = "error";
    try {
      JsonNode body = parseObject(ctx);
      String pool = requiredString(body, "pool");
      String requestId = requestId(ctx);
      JsonNode given = body.get("requestId");
      if (given != null && !given.isNull()) {
        if (!given.isTextual() || !REQUEST_ID.matcher(given.asText()).matches()) {
          throw new BrokerException(Kind.BAD_REQUEST,
              "\"requestId\" must be 1-128 letters, digits or . _ : -");
        }
        requestId = given.asText();
        MDC.put("requestId", requestId);
      }
      BrokeredSession session = broker.openSession(user(ctx), pool, requestId);
      outcome = session.reconnected() ? "reconnected" : "started";
      send(ctx, session.reconnected() ? 200 : 201, ApiViews.SessionView.of(session));
    } catch (BrokerException e) {
      outcome = e.kind().code;
      throw e;
    } finally {
      metrics.brokered(outcome, Duration.ofNanos(System.nanoTime() - began));
    }
  }

  private void listSessions(Context ctx) {
    send(ctx, 200, new ApiViews.SessionList(broker.sessionsOf(user(ctx)).stream()
        .map(ApiViews.SessionListItem::of)
        .toList()));
  }

  private void endSession(Context ctx) {
    String sessionId = ctx.pathParam("sessionId");
    if (!REQUEST_ID.matcher(sessionId).matches()) {
      throw new BrokerException(Kind.SESSION_NOT_FOUND, "you have no session with that id");
    }
    broker.endSession(user(ctx), sessionId, requestId(ctx));
    ctx.status(204);
  }

  // ---- fleet ---------------------------------------------------------------------------------

  private void topology(Context ctx) {
    var sets = directory.sets().stream()
        .map(set -> new ApiViews.SetItem(set.id(), set.members().stream().map(this::describe).toList()))
        .toList();
    send(ctx, 200, new ApiViews.TopologyView(directory.topology().getVersion(), sets));
  }

  private ConcentratorItem describe(Member m) {
    HealthResponse health = m.lastHealth;
    boolean up = m.health == ConcentratorDirectory.Health.UP;
    return new ConcentratorItem(m.id(), m.endpoint.getAddress(),
        m.health.name().toLowerCase(Locale.ROOT),
        up && health != null ? health.getAttachedVms() : null,
        up && health != null ? health.getUnreachableVms() : null,
        up && health != null ? health.getSessions() : null,
        up ? null : m.lastError);
  }

  private void vms(Context ctx) {
    String pool = ctx.queryParam("pool");
    if (pool != null && !pool.isEmpty() && !settings.pools().contains(pool)) {
      throw new BrokerException(Kind.UNKNOWN_POOL, "there is no pool named '" + pool + "'");
    }
    VmStatus status = parseState(ctx.queryParam("state"));
    SessionBroker.VmListing listing = broker.listVms(ctx.queryParam("set"), pool, status);
    var vms = listing.vms().stream().map(ApiViews.VmItem::of).toList();
    send(ctx, 200, new ApiViews.VmList(listing.setId(), listing.complete(), vms.size(), vms));
  }

  private static VmStatus parseState(String state) {
    if (state == null || state.isEmpty()) {
      return VmStatus.VM_STATUS_UNSPECIFIED;
    }
    for (VmStatus s : VmStatus.values()) {
      if (s != VmStatus.VM_STATUS_UNSPECIFIED && s != VmStatus.UNRECOGNIZED
          && ApiViews.stateName(s).equals(state)) {
        return s;
      }
    }
    String known = Arrays.stream(VmStatus.values())
        .filter(s -> s != VmStatus.VM_STATUS_UNSPECIFIED && s != VmStatus.UNRECOGNIZED)
        .map(ApiViews::stateName)
        .collect(Collectors.joining(", "));
    throw new BrokerException(Kind.BAD_REQUEST, "state must be one of " + known + "; got '" + state + "'");
  }

  private void pools(Context ctx) {
    send(ctx, 200, new ApiViews.PoolList(settings.pools().stream().map(ApiViews.PoolItem::new).toList()));
  }

  private void ready(Context ctx) {
    if (directory.anyUp()) {
      send(ctx, 200, new ApiViews.Status("ready"));
    } else {
      send(ctx, 503, new ErrorBody("not_ready", "no concentrator is reachable yet"));
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private JsonNode parseObject(Context ctx) {
    String text = ctx.body();
    if (text == null || text.isBlank()) {
      throw new BrokerException(Kind.BAD_REQUEST, "the request needs a JSON body such as {\"pool\": \"desktop\"}");
    }
    JsonNode body;
    try {
      body = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new BrokerException(Kind.BAD_REQUEST, "the body is not valid JSON: "
          + e.getOriginalMessage());
    }
    if (body == null || !body.isObject()) {
      throw new BrokerException(Kind.BAD_REQUEST, "the body must be a JSON object such as {\"pool\": \"desktop\"}");
    }
    return body;
  }

  private static String requiredString(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw new BrokerException(Kind.BAD_REQUEST, "the field \"" + field + "\" is missing");
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new BrokerException(Kind.BAD_REQUEST, "the field \"" + field + "\" must be a non-empty string");
    }
    return value.asText();
  }

  private void fail(Context ctx, BrokerException e) {
    if (e.kind() == Kind.UNAUTHORIZED) {
      ctx.header("WWW-Authenticate", "Basic realm=\"shardbroker\", charset=\"UTF-8\"");
    }
    if (e.kind().retryable) {
      ctx.header("Retry-After", Long.toString(settings.timeouts().retryAfter().toSeconds()));
    }
    send(ctx, e.kind().httpStatus, new ErrorBody(e.kind().code, e.getMessage()));
  }

  private void send(Context ctx, int status, Object body) {
    ctx.attribute(ANSWERED, Boolean.TRUE);
    try {
      ctx.status(status).contentType(JSON).result(mapper.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName(), e);
    }
  }

  /** The error code of a status Javalin itself refused a request with. */
  private static String httpCode(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "payload_too_large";
      default -> "http_" + status;
    };
  }

  private static String user(Context ctx) {
    return ctx.attribute(USER);
  }

  private static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST);
    return id == null ? "-" : id;
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }
}
