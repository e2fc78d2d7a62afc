package io.shardbroker.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Authenticator;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreException;
import io.shardbroker.store.User;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The broker's HTTP API: JSON in and out, bearer tokens or HTTP Basic against the store's users,
 * no change from pages of other sites ({@link CrossSiteRequests}), the {@link SecurityHeaders} on
 * every answer, one error shape ({@code {"error": code, "message": text}}, plus {@code "field"} when an input
 * field is at fault) for every failure, and a request id on every answer ({@code X-Request-Id})
 * that the logs of broker, concentrator and agent all name. The admin routes are {@link AdminApi};
 * the whole API is described by {@code openapi.yaml}, served at {@value #OPENAPI_PATH}.
 */
final class HttpApi {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  static final String OPENAPI_PATH = "/api/openapi.yaml";
  private static final String OPENAPI_RESOURCE = "openapi.yaml";
  private static final int ACCEPT_QUEUE = 4096;
  static final String USER = "shardbroker.user";
  private static final String REQUEST = "shardbroker.requestId";
  private static final String STARTED = "shardbroker.startedNanos";
  /** Set on a session request that holds a place of the admission gate, to be given back. */
  private static final String ADMITTED = "shardbroker.admitted";

  private final BrokerSettings settings;
  private final Store store;
  private final Authenticator authenticator;
  private final SessionPlacer placer;
  private final SessionListing listing;
  private final SessionEnding ending;
  private final ConcentratorDirectory directory;
  private final AdminApi admin;
  private final BrokerMetrics metrics;
  private final PrometheusMeterRegistry meters;
  private final byte[] openApi;
  private final PortalFiles portal = new PortalFiles();
  private final AdmissionGate admission;
  private final Refusals refusals;
  private final SignInApi signIn;
  private final EnrollmentApi enrollment;
  private final AdminSessionsApi adminSessions;
  private final VmCounts counts;
  private final FleetApi fleet;
  private final DisplayGateway displays;
  private final SecurityHeaders securityHeaders;
  private final CrossSiteRequests crossSite;

  HttpApi(
      BrokerSettings settings, Store store, Authenticator authenticator, SessionPlacer placer,
      SessionListing listing, SessionEnding ending,
      ConcentratorDirectory directory, DrainedVms drained, BrokerMetrics metrics,
      PrometheusMeterRegistry meters, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.authenticator = authenticator;
    this.placer = placer;
    this.listing = listing;
    this.ending = ending;
    this.directory = directory;
    this.refusals = new Refusals(store.security(), settings.brokerId(), clock);
    SignInThrottle throttle = new SignInThrottle(settings.security().signIn(), clock);
    this.signIn = new SignInApi(store.accounts(), authenticator,
        new SignInTokens(store.security(), settings.security().signIn(), clock), throttle, refusals,
        settings.security().signIn(), settings.security().trustedProxies(), settings.timeouts().retryAfter());
    // Enrollments count their failures apart from sign-ins: neither can lock the other out of an address.
    this.enrollment = new EnrollmentApi(settings.security().enrollment(), store.security(),
        new SignInThrottle(settings.security().signIn(), clock), refusals, settings.brokerId(),
        settings.security().trustedProxies());
    this.admin = new AdminApi(store, authenticator, drained, settings.brokerId(), refusals);
    this.adminSessions = new AdminSessionsApi(listing, ending, store.security(), settings.brokerId());
    this.counts = new VmCounts(directory, drained, settings.timeouts().list());
    this.fleet = new FleetApi(directory, drained, counts, new VmPages(directory, settings.timeouts().list()));
    OriginPolicy origins = new OriginPolicy(settings.displays().allowedOrigins());
    this.displays = new DisplayGateway(settings.displays(), origins, settings.security().links(), signIn, listing,
        refusals, settings.timeouts().retryAfter());
    this.securityHeaders = new SecurityHeaders(settings.security().https() != null);
    this.crossSite = new CrossSiteRequests(origins, refusals);
    this.metrics = metrics;
    this.meters = meters;
    this.openApi = PortalFiles.resource(OPENAPI_RESOURCE);
    this.admission = new AdmissionGate(settings.admission());
    metrics.watch(admission);
    metrics.watch(displays.displays());
  }

  void configure(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.jetty.addConnector((server, httpConfig) -> {
      // Jetty keeps a cache of header fields per connection from its second request on: about
      // 50 KiB each. A storm's clients held 13,000 connections open, and the caches took 650 MiB of
      // a 1 GiB heap; without them a connection costs a few KiB. Parsing headers afresh costs less
      // than the garbage collection the caches caused.
      httpConfig.setHeaderCacheSize(0);
      ServerConnector connector;
      if (settings.security().https() == null) {
        connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
      } else {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(settings.security().https().sslContext());
        HttpConfiguration httpsConfig = new HttpConfiguration(httpConfig);
        httpsConfig.addCustomizer(new SecureRequestCustomizer());
        connector = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
            new HttpConnectionFactory(httpsConfig));
      }
      connector.setHost(settings.httpHost());
      connector.setPort(settings.httpPort());
      connector.setReusePort(settings.httpReusePort());
      // A logon storm opens connections by the thousand; the OS default backlog (50) resets them.
      connector.setAcceptQueueSize(ACCEPT_QUEUE);
      // Past the bound, Jetty stops accepting until a connection closes; clients wait in the accept
      // queue. (Its option to shorten idle timeouts meanwhile was tried: it expires thousands of
      // connections under a lock that every close waits for, and the broker stalled.)
      server.addBean(new NetworkConnectionLimit(settings.admission().connections(), connector));
      return connector;
    });
    // Requests Jetty refuses itself (a malformed URL, oversized headers) get the JSON error shape too.
    config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler(securityHeaders)));
    config.concurrency.useVirtualThreads = true;
    config.http.maxRequestSize = 64 * 1024;
    config.routes.before(HttpApi::begin);
    config.routes.before(securityHeaders::addTo);
    config.routes.before(crossSite::check);  // before the password's cost, and before a password is tried
    config.routes.before("/api/v1/sessions", this::admit);  // before the password's cost
    signIn.authenticateApi(config, OPENAPI_PATH);
    signIn.routes(config);
    enrollment.routes(config);
    config.routes.post("/api/v1/sessions", this::openSession);
    config.routes.get("/api/v1/sessions", this::listSessions);
    config.routes.delete("/api/v1/sessions/{sessionId}", this::endSession);
    displays.routes(config);  // a WebSocket: authenticated by DisplayGateway, not by the handlers above
    admin.guard(config, FleetApi.PATHS);
    fleet.routes(config);
    config.routes.get("/api/v1/pools", this::pools);
    config.routes.get("/api/v1/me", this::me);
    config.routes.get(OPENAPI_PATH, ctx -> ctx.contentType("application/yaml; charset=utf-8").result(openApi));
    admin.configure(config);
    adminSessions.routes(config);
    // The web portal: plain HTML, CSS and JavaScript on the API above, from memory.
    portal.routes(config);
    config.routes.get("/healthz", ctx -> send(ctx, 200, new ApiViews.Status("ok")));
    config.routes.get("/readyz", this::ready);
    config.routes.get("/metrics", this::metrics);
    config.routes.after(this::finish);
    config.routes.exception(BrokerException.class, (e, ctx) -> fail(ctx, e));
    config.routes.exception(StoreException.class, (e, ctx) -> fail(ctx, e));
    // Javalin answers a path no route matches by throwing EndpointNotFound, not through error(404).
    config.routes.exception(HttpResponseException.class, (e, ctx) ->
        refuse(ctx, HttpErrors.ofStatus(e.getStatus()), e instanceof EndpointNotFound ? noSuchEndpoint(ctx) : e.getMessage()));
    config.routes.exception(Exception.class, (e, ctx) -> {
      if (e instanceof IOException && e.getCause() instanceof EofException) {
        // The client went away mid-answer (or mid-upgrade to a WebSocket), or the broker is stopping.
        log.debug("[{}] {} {}: the connection closed before the answer was sent", requestId(ctx), ctx.method(),
            ctx.path());
        return;
      }
      log.error("[{}] {} {} failed", requestId(ctx), ctx.method(), ctx.path(), e);
      refuse(ctx, Reason.INTERNAL, "the broker failed to answer; the request id is " + requestId(ctx));
    });
    config.routes.error(404, ctx -> {
      if (!HttpErrors.answered(ctx)) {  // a 404 of ours already has its body
        refuse(ctx, Reason.NOT_FOUND, noSuchEndpoint(ctx));
      }
    });
    config.routes.error(405, ctx -> refuse(ctx, Reason.METHOD_NOT_ALLOWED,
        ctx.method() + " is not allowed on " + ctx.path()));
  }

  /** The Prometheus scrape; behind the metrics token when the deployment gives one. */
  private void metrics(Context ctx) {
    MetricsToken token = settings.security().metricsToken();
    if (token != null) {
      token.check(ctx.header("Authorization"));
    }
    ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(meters.scrape());
  }

  /** Writes the audit rows that count repeated refusals whose minute is over; see {@link Refusals}. */
  void writeRefusalCounts() {
    refusals.writeCounts();
  }

  /** Ends what outlives a request (open displays, counts of refusals); before the HTTP server stops. */
  void close() {
    displays.close();
    refusals.writeAllCounts();
  }

  // ---- request lifecycle ---------------------------------------------------------------------

  /** Gives the request its id (the client's X-Request-Id when well-formed) and its start time. */
  static void begin(Context ctx) {
    String given = ctx.header("X-Request-Id");
    String id = given != null && REQUEST_ID.matcher(given).matches() ? given : newRequestId();
    ctx.attribute(REQUEST, id);
    ctx.attribute(STARTED, System.nanoTime());
    ctx.header("X-Request-Id", id);
    MDC.put("requestId", id);
  }

  private void finish(Context ctx) {
    if (ctx.attribute(ADMITTED) != null) {
      ctx.attribute(ADMITTED, null);
      admission.leave();
    }
    Long began = ctx.attribute(STARTED);
    String user = ctx.attribute(USER);
    if (log.isDebugEnabled() && began != null) {
      log.debug("{} {} -> {} ({} ms) user={}", ctx.method(), ctx.path(), ctx.status().getCode(),
          (System.nanoTime() - began) / 1_000_000, user);
    }
    MDC.remove("requestId");
  }

  /** A session request waits for a place at the admission gate, or is answered overloaded. */
  private void admit(Context ctx) throws InterruptedException {
    if (ctx.method() != HandlerType.POST) {
      return;
    }
    if (!admission.enter()) {
      Long began = ctx.attribute(STARTED);
      metrics.brokered(Reason.OVERLOADED.code(), Duration.ofNanos(System.nanoTime() - began));
      throw new BrokerException(Reason.OVERLOADED, "the broker has more session requests than it can take "
          + "right now; try again in a moment");
    }
    ctx.attribute(ADMITTED, Boolean.TRUE);
  }

  // ---- sessions ------------------------------------------------------------------------------

  private void openSession(Context ctx) {
    long began = System.nanoTime();
    String outcome = "error";
    try {
      JsonNode body = Json.object(ctx, "{\"pool\": \"desktop\"}");
      Json.onlyFields(body, "pool", "requestId");
      String pool = Json.requiredString(body, "pool");
      String requestId = requestId(ctx);
      JsonNode given = body.get("requestId");
      if (given != null && !given.isNull()) {
        if (!given.isTextual() || !REQUEST_ID.matcher(given.asText()).matches()) {
          throw new BrokerException(Reason.BAD_REQUEST, "requestId",
              "\"requestId\" must be 1-128 letters, digits or . _ : -");
        }
        requestId = given.asText();
        MDC.put("requestId", requestId);
      }
      BrokeredSession session = placer.openSession(user(ctx), pool, requestId);
      outcome = session.reconnected() ? "reconnected" : "started";
      send(ctx, session.reconnected() ? 200 : 201, ApiViews.SessionView.of(session));
    } catch (BrokerException e) {
      outcome = e.kind().code();
      throw e;
    } finally {
      metrics.brokered(outcome, Duration.ofNanos(System.nanoTime() - began));
    }
  }

  private void listSessions(Context ctx) {
    send(ctx, 200, new ApiViews.SessionList(listing.sessionsOf(user(ctx)).stream()
        .map(ApiViews.SessionListItem::of)
        .toList()));
  }

  private void endSession(Context ctx) {
    String sessionId = ctx.pathParam("sessionId");
    if (!REQUEST_ID.matcher(sessionId).matches()) {
      refusals.record(user(ctx), "session.end.refuse", "(malformed id)", "a session id that no session has");
      throw new BrokerException(Reason.SESSION_NOT_FOUND, "you have no session with that id");
    }
    try {
      ending.endSession(user(ctx), sessionId, requestId(ctx));
    } catch (BrokerException e) {
      if (e.kind() == Reason.SESSION_NOT_FOUND) {
        // someone else's session looks the same as none: the audit log tells them apart
        refusals.record(user(ctx), "session.end.refuse", sessionId, "no session of this user with that id");
      }
      throw e;
    }
    ctx.status(204);
  }

  // ---- fleet ---------------------------------------------------------------------------------

  /** The user's pools, each with its free sessions when some set answers; without, when none does. */
  private void pools(Context ctx) {
    List<Pool> pools = store.entitlements().poolsOf(user(ctx));
    Optional<VmCounts.Counted> counted = pools.isEmpty() ? Optional.empty() : counts.forUser(user(ctx));
    send(ctx, 200, new AdminViews.EntitledPoolList(pools.stream()
        .map(p -> AdminViews.EntitledPool.of(p, counted.map(c -> c.freeSessions(p.name())).orElse(null)))
        .toList()));
  }

  private void me(Context ctx) {
    User me = store.accounts().user(user(ctx))
        .orElseThrow(() -> new BrokerException(Reason.UNAUTHORIZED, "your account no longer exists"));
    send(ctx, 200, new AdminViews.Me(me.name(), me.displayName(), me.groups(),
        me.groups().contains(Group.ADMINS)));
  }

  private void ready(Context ctx) {
    if (directory.anyUp()) {
      send(ctx, 200, new ApiViews.Status("ready"));
    } else {
      refuse(ctx, Reason.NOT_READY, "no concentrator is reachable yet");
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private void fail(Context ctx, BrokerException e) {
    if (e.kind() == Reason.UNAUTHORIZED) {
      // Never a Basic challenge: a browser answers it with a password dialog and then sends what was
      // typed with every request to the broker, a form of another site's included. Scripts send
      // Basic credentials unasked, and the portal uses bearer tokens.
      String given = ctx.header("Authorization");
      boolean token = given != null && given.regionMatches(true, 0, "Bearer ", 0, 7);
      ctx.header("WWW-Authenticate", token
          ? "Bearer realm=\"shardbroker\", error=\"invalid_token\""
          : "Bearer realm=\"shardbroker\"");
    }
    HttpErrors.send(ctx, e.kind(), e.getMessage(), e.field(),
        e.retryAfter() != null ? e.retryAfter() : settings.timeouts().retryAfter());
  }

  /** Answers {@code reason} with the broker's Retry-After where it is retryable. */
  private void refuse(Context ctx, Reason reason, String message) {
    HttpErrors.send(ctx, reason, message, null, settings.timeouts().retryAfter());
  }

  private void fail(Context ctx, StoreException e) {
    String message = e.getMessage();
    switch (e.kind()) {
      case STORE_UNAVAILABLE, MIGRATION_FAILED -> {
        log.warn("[{}] store failed: {}", requestId(ctx), e.getMessage(), e.getCause());
        HttpErrors.send(ctx, Reason.STORE_UNAVAILABLE, "the broker's database cannot be reached; try again shortly",
            null, settings.timeouts().retryAfter());
        return;
      }
      case DIRECTORY_UNAVAILABLE -> {
        log.warn("[{}] sign-in directory failed: {}", requestId(ctx), e.getMessage());
        message = "the sign-in directory cannot be reached, so your password cannot be checked; try again shortly";
      }
      default -> { }
    }
    HttpErrors.send(ctx, e.kind(), message, e.field(), settings.timeouts().retryAfter());
  }

  private static void send(Context ctx, int status, Object body) {
    Json.send(ctx, status, body);
  }

  private static String noSuchEndpoint(Context ctx) {
    return "no such endpoint: " + ctx.method() + " " + ctx.path();
  }

  /** The signed-in user's name. */
  static String user(Context ctx) {
    return ctx.attribute(USER);
  }

  static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST);
    return id == null ? "-" : id;
  }

  private static String newRequestId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }
}
