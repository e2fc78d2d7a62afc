package io.shardbroker.broker;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The browser's way to a desktop's screen: {@code GET /api/v1/sessions/{sessionId}/display},
 * upgraded to a WebSocket that carries the session's RFB stream between noVNC and the display
 * relay of the session's agent ({@link DisplayBridge}). Desktops are reached only through here.
 *
 * <p>A page cannot set headers on a WebSocket, so the credentials come as subprotocols
 * ({@link DisplayCredentials}): the bearer token of the user's sign-in and the session's one-time
 * ticket; the broker selects {@value DisplayCredentials#DISPLAY}. Everything that can be refused
 * is refused before the upgrade, with the API's JSON error body: no valid token (401), a page of a
 * foreign origin (403, {@link OriginPolicy}), a session that is not the user's (404), a desktop a
 * browser cannot show (409), a limit of {@link OpenDisplays} (429). What only the agent can judge,
 * the ticket, ends the WebSocket with a {@link DisplayClose} code.
 *
 * <p>Javalin runs none of the API's before-handlers on an upgrade (they authenticate by header),
 * so the checks here are the whole of the display's authentication. Thread-safe.
 */
final class DisplayGateway {

  private static final Logger log = LoggerFactory.getLogger(DisplayGateway.class);
  static final String PATH = "/api/v1/sessions/{sessionId}/display";
  /** The largest message a browser may send: noVNC sends at most 10 KiB at once. */
  static final int MAX_MESSAGE = 16 * 1024;
  private static final String SUBPROTOCOL_HEADER = "Sec-WebSocket-Protocol";
  private static final String ADMITTED = "shardbroker.display.admitted";
  private static final String BRIDGE = "shardbroker.display.bridge";
  /** How long a stopping broker waits for browsers to be told, at most. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);

  /** A display request that passed every check of the broker's, for the agent to judge its ticket. */
  record Admitted(String user, PlacedSession placed, String ticket) {
    String sessionId() {
      return placed.getSession().getSessionId();
    }

    /** Without the ticket: this may be logged. */
    @Override
    public String toString() {
      return "Admitted[user=" + user + ", session=" + sessionId() + "]";
    }
  }

  private final DisplaySettings settings;
  private final SignInApi signIn;
  private final SessionListing listing;
  private final Refusals refusals;
  private final Duration retryAfter;
  private final OriginPolicy origins;
  private final OpenDisplays displays;
  private final RelayDialer dialer;
  /** Where displays read their relays' bursts: 16 free ones (1 MiB) kept for the next, more made at need. */
  private final BurstBuffers bursts = new BurstBuffers(16);
  /** The displays open now, to end when the broker stops. */
  private final Set<DisplayBridge> bridges = ConcurrentHashMap.newKeySet();

  DisplayGateway(DisplaySettings settings, OriginPolicy origins, LinkSecurity links, SignInApi signIn,
      SessionListing listing, Refusals refusals, Duration retryAfter) {
    this.settings = settings;
    this.signIn = signIn;
    this.listing = listing;
    this.refusals = refusals;
    this.retryAfter = retryAfter;
    this.origins = origins;
    this.displays = new OpenDisplays(settings);
    this.dialer = new RelayDialer(links, settings);
  }

  /** The displays open now, for the metrics. */
  OpenDisplays displays() {
    return displays;
  }

  void routes(JavalinConfig config) {
    config.routes.wsBeforeUpgrade(PATH, this::beforeUpgrade);
    config.routes.ws(PATH, ws -> {
      ws.onConnect(this::connected);
      ws.onBinaryMessage(ctx -> ifOpen(ctx, bridge -> bridge.fromBrowser(ctx.data())));
      ws.onMessage(ctx -> ifOpen(ctx, bridge -> bridge.end(DisplayClose.TEXT_REFUSED)));
      ws.onClose(ctx -> ifOpen(ctx, bridge -> bridge.browserClosed(ctx.status(), ctx.reason())));
      ws.onError(ctx -> ifOpen(ctx, bridge -> bridge.browserClosed(1006, "the browser's connection failed: "
          + describe(ctx.error()))));
    });
  }

  /**
   * Ends every open display, telling browsers that the broker is stopping, and waits a moment
   * ({@link #STOP_GRACE} at most) for the close frames to go out; before the HTTP server stops.
   */
  void close() {
    CompletableFuture<?>[] told = bridges.stream().map(bridge -> bridge.end(DisplayClose.GOING_AWAY))
        .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(told).get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      log.debug("not every browser was told that the broker stops: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- before the upgrade ----------------------------------------------------------------------

  private void beforeUpgrade(Context ctx) {
    HttpApi.begin(ctx);
    try {
      ctx.attribute(ADMITTED, admit(ctx));
      // Javalin selects the first subprotocol offered; the broker selects its own, never a credential.
      ctx.header(SUBPROTOCOL_HEADER, DisplayCredentials.DISPLAY);
    } catch (BrokerException e) {
      refuse(ctx, e.kind(), e.getMessage(), e.field());
    } catch (StoreException e) {
      log.warn("[{}] display refused: the store failed: {}", HttpApi.requestId(ctx), e.getMessage());
      refuse(ctx, Reason.STORE_UNAVAILABLE, "the broker's database cannot be reached; try again shortly", null);
    } catch (RuntimeException e) {
      log.error("[{}] display request failed", HttpApi.requestId(ctx), e);
      refuse(ctx, Reason.INTERNAL, "the broker failed to answer; the request id is " + HttpApi.requestId(ctx), null);
    } finally {
      MDC.remove("requestId");
    }
  }

  /** The request's user and session, when every check of the broker's passes. */
  private Admitted admit(Context ctx) {
    DisplayCredentials offered = DisplayCredentials.of(ctx.req().getHeaders(SUBPROTOCOL_HEADER));
    if (offered.token() == null) {
      throw new BrokerException(Reason.UNAUTHORIZED, "sign in, and offer the token as the WebSocket subprotocol "
          + DisplayCredentials.TOKEN_PREFIX + "<token>");
    }
    String user = signIn.verifiedToken(offered.token(), signIn.client(ctx)).user();
    String sessionId = ctx.pathParam("sessionId");
    String origin = ctx.header("Origin");
    if (origin != null && !origins.allows(origin, ctx.scheme(), ctx.header("Host"))) {
      refusals.record(user, "display.refuse", sessionId, "a page of the foreign origin " + origin + ", from " + signIn.client(ctx));
      throw new BrokerException(Reason.FORBIDDEN, "pages of " + Refusals.printable(origin)
          + " may not open desktops of this broker");
    }
    if (!offered.display()) {
      throw new BrokerException(Reason.BAD_REQUEST, "offer the WebSocket subprotocol " + DisplayCredentials.DISPLAY);
    }
    if (offered.ticket() == null) {
      throw new BrokerException(Reason.BAD_REQUEST, "offer the session's one-time ticket as the WebSocket subprotocol "
          + DisplayCredentials.TICKET_PREFIX + "<ticket>");
    }
    PlacedSession placed = listing.sessionsOf(user).stream()
        .filter(p -> p.getSession().getSessionId().equals(sessionId))
        .findFirst()
        .orElseThrow(() -> {
          // someone else's session looks the same as none: the audit log tells them apart
          refusals.record(user, "display.refuse", sessionId, "no session of this user with that id");
          return new BrokerException(Reason.SESSION_NOT_FOUND, "you have no session with that id");
        });
    Connection connection = placed.getSession().getConnection();
    if (!connection.getProtocol().equals("vnc")) {
      throw new BrokerException(Reason.CONFLICT, "this desktop speaks " + Refusals.printable(connection.getProtocol())
          + ", which a browser cannot show; connect to it with a " + Refusals.printable(connection.getProtocol())
          + " client");
    }
    if (connection.getHost().isEmpty() || connection.getPort() == 0) {
      throw new BrokerException(Reason.CONFLICT, "the desktop's agent does not say where its display is");
    }
    String limit = displays.limitFor(user);
    if (limit != null) {
      log.info("[{}] display of session {} for {} refused: {}", HttpApi.requestId(ctx), sessionId, user, limit);
      throw new BrokerException(Reason.TOO_MANY_DISPLAYS, limit);
    }
    return new Admitted(user, placed, offered.ticket());
  }

  /**
   * Answers the upgrade request with the error body instead of upgrading. (Javalin writes no
   * body for a request it was to upgrade, so this writes it.)
   */
  private void refuse(Context ctx, Reason reason, String message, String field) {
    ctx.res().setHeader(SUBPROTOCOL_HEADER, null);
    if (reason == Reason.UNAUTHORIZED) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"shardbroker\", error=\"invalid_token\"");
    }
    HttpErrors.send(ctx, reason, message, field, retryAfter);
    try (InputStream body = ctx.resultInputStream()) {
      body.transferTo(ctx.res().getOutputStream());
    } catch (IOException e) {
      log.debug("[{}] could not send the refusal of a display: {}", HttpApi.requestId(ctx), e.getMessage());
    }
    ctx.skipRemainingHandlers();  // the upgrade among them
  }

  // ---- after the upgrade -----------------------------------------------------------------------

  private void connected(WsConnectContext ctx) {
    Admitted admitted = ctx.attribute(ADMITTED);
    ctx.session.setMaxBinaryMessageSize(MAX_MESSAGE);
    ctx.session.setMaxTextMessageSize(MAX_MESSAGE);
    ctx.session.setIdleTimeout(settings.idleTimeout());
    // Another display of the user may have opened since the check before the upgrade.
    String limit = displays.open(admitted.user());
    if (limit != null) {
      DisplayClose tooMany = DisplayClose.tooMany(limit);
      ctx.session.close(tooMany.code(), tooMany.reason(), Callback.NOOP);
      return;
    }
    DisplayBridge bridge = new DisplayBridge(ctx.session, admitted, dialer, bursts, settings.idleTimeout(), refusals,
        ended -> {
          bridges.remove(ended);
          displays.closed(admitted.user());
        });
    bridges.add(bridge);
    ctx.attribute(BRIDGE, bridge);
    bridge.start();
  }

  private static String describe(Throwable error) {
    return error == null ? "" : error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
  }

  private static void ifOpen(WsContext ctx, Consumer<DisplayBridge> action) {
    DisplayBridge bridge = ctx.attribute(BRIDGE);
    if (bridge != null) {
      action.accept(bridge);
    }
  }
}
