package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.store.AuditEntry;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The display gateway end to end: a browser's WebSocket ({@link java.net.http.WebSocket} here) to
 * the broker, the broker to a {@link FakeDisplayRelay} over mutual TLS, with the checks before the
 * upgrade and the ways a display ends.
 */
@Timeout(60)
class DisplayGatewayTest {

  private static final String TICKET = "sct-Tk_3x-9QpZ";
  private static final String ALLOWED_ORIGIN = "https://desktops.example.com";
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static CertificateAuthority ca;
  private static TlsCredentials brokerCertificate;
  private static TlsCredentials agentOfVm1;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(WAIT).build();
  private TestBroker broker;
  private FakeDisplayRelay relay;

  @BeforeAll
  static void certificates() {
    ca = CertificateAuthority.create("display test CA", Clock.systemUTC());
    brokerCertificate = ca.issue(Identity.of(Role.BROKER, TestBroker.BROKER_ID), List.of(), Duration.ofDays(1));
    agentOfVm1 = ca.issue(Identity.of(Role.AGENT, "vm-1"), List.of(), Duration.ofDays(1));
  }

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start(settings -> settings
        .withSecurity(settings.security().withLinks(LinkSecurity.tls(brokerCertificate)))
        .withDisplays(new DisplaySettings(3, 2, List.of(ALLOWED_ORIGIN), Duration.ofSeconds(2), ANSWER_TIMEOUT,
            Duration.ofSeconds(30))));
    relay = new FakeDisplayRelay(agentOfVm1);
    broker.a1.addVm("vm-1", "shared", 4);
    broker.a1.addSession("vm-1", "s-bob", "bob", relay.connection());
    broker.a1.addSession("vm-1", "s-carol", "carol", relay.connection());
  }

  @AfterEach
  void stop() throws Exception {
    broker.close();
    relay.close();
  }

  @Test
  void bytesFlowBothWaysBetweenTheBrowserAndTheDesktop() throws Exception {
    Screen screen = new Screen();
    WebSocket socket = open(token("bob"), TICKET, "s-bob", null, screen).join();

    assertThat(socket.getSubprotocol()).isEqualTo(DisplayCredentials.DISPLAY);
    screen.awaitReceived(FakeDisplayRelay.RFB_VERSION);
    socket.sendBinary(ByteBuffer.wrap("RFB 003.008\n\u0001".getBytes(StandardCharsets.US_ASCII)), true).join();
    screen.awaitReceived(FakeDisplayRelay.RFB_VERSION + "RFB 003.008\n\u0001");

    assertThat(relay.requests).hasSize(1);
    assertThat(TestBroker.JSON.readTree(relay.requests.get(0))).isEqualTo(TestBroker.JSON.readTree(
        json("ticket", TICKET, "user", "bob", "sessionId", "s-bob")));
    assertThat(openDisplays()).isEqualTo(1);
  }

  @Test
  void screensOfTwoDisplaysAtOnceComeThroughWholeInOrderAndApart() throws Exception {
    Screen bobs = new Screen();
    Screen carols = new Screen();
    WebSocket bob = open(token("bob"), TICKET, "s-bob", null, bobs).join();
    WebSocket carol = open(token("carol"), TICKET, "s-carol", null, carols).join();
    byte[] bobsPixels = pixels(1, 300 * 1024);
    byte[] carolsPixels = pixels(2, 300 * 1024);

    // the relay echoes: each display's bytes go browser -> broker -> relay and back, both at once
    CompletableFuture<Void> sent = CompletableFuture.allOf(CompletableFuture.runAsync(() -> send(bob, bobsPixels)),
        CompletableFuture.runAsync(() -> send(carol, carolsPixels)));
    sent.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

    byte[] version = FakeDisplayRelay.RFB_VERSION.getBytes(StandardCharsets.US_ASCII);
    await().atMost(WAIT).until(() -> bobs.receivedBytes().length >= version.length + bobsPixels.length
        && carols.receivedBytes().length >= version.length + carolsPixels.length);
    assertThat(bobs.receivedBytes()).isEqualTo(concat(version, bobsPixels));
    assertThat(carols.receivedBytes()).isEqualTo(concat(version, carolsPixels));
    assertThat(bobs.largestMessage()).as("bursts: more than the pump's first read in one message")
        .isGreaterThan(DisplayBridge.FIRST_READ);
  }

  private static byte[] pixels(long seed, int length) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** Sends {@code bytes} as the browser's messages of at most the gateway's largest. */
  private static void send(WebSocket socket, byte[] bytes) {
    for (int at = 0; at < bytes.length; at += DisplayGateway.MAX_MESSAGE) {
      int length = Math.min(DisplayGateway.MAX_MESSAGE, bytes.length - at);
      socket.sendBinary(ByteBuffer.wrap(bytes, at, length), true).join();
    }
  }

  @Test
  void theBrokerSelectsItsOwnSubprotocolEvenWhenACredentialIsOfferedFirst() {
    String token = token("bob");
    WebSocket socket = http.newWebSocketBuilder()
        .subprotocols(DisplayCredentials.TOKEN_PREFIX + token, DisplayCredentials.TICKET_PREFIX + TICKET,
            DisplayCredentials.DISPLAY)
        .buildAsync(displayUri("s-bob"), new Screen()).join();

    assertThat(socket.getSubprotocol()).isEqualTo(DisplayCredentials.DISPLAY);
  }

  @Test
  void aRefusedTicketClosesTheDisplayWith4401AndIsAuditedWithoutTheTicket() {
    relay.answer = FakeDisplayRelay.Answer.TICKET_REFUSED;
    Screen screen = new Screen();
    open(token("bob"), TICKET, "s-bob", null, screen).join();

    Screen.Closed closed = screen.closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    assertThat(closed.code()).isEqualTo(4401);
    assertThat(closed.reason()).contains("ticket");
    List<AuditEntry> refused = audit("bob", "display.ticket.refuse");
    assertThat(refused).extracting(AuditEntry::target).containsExactly("s-bob");
    assertThat(refused.get(0).detail()).contains("ticket-refused").doesNotContain(TICKET);
    await().atMost(WAIT).until(() -> openDisplays() == 0 && relay.ended.get() == 1);
  }

  @Test
  void withoutAValidTokenTheUpgradeIsRefused401() {
    assertThat(handshakeStatus(null, TICKET, "s-bob", null)).isEqualTo(401);
    assertThat(handshakeStatus("sbt2.bm90LWEtdG9rZW4.bWFj", TICKET, "s-bob", null)).isEqualTo(401);

    Answer missing = refusal(null, TICKET, "s-bob", null);
    assertError(missing, 401, "unauthorized");
    assertThat(missing.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(missing.header("Sec-WebSocket-Protocol")).isEmpty();
    assertError(refusal("sbt2.bm90LWEtdG9rZW4.bWFj", TICKET, "s-bob", null), 401, "unauthorized");
    assertThat(relay.accepted).hasValue(0);
  }

  @Test
  void aPageOfAForeignOriginIsRefused403WhileTheBrokersOwnAndAllowedOnesPass() {
    String token = token("bob");
    assertThat(handshakeStatus(token, TICKET, "s-bob", "https://evil.example.net")).isEqualTo(403);
    assertError(refusal(token, TICKET, "s-bob", "null"), 403, "forbidden");
    assertRefusedTwice("bob");

    assertThat(open(token, TICKET, "s-bob", broker.api.base, new Screen()).join().getSubprotocol())
        .isEqualTo(DisplayCredentials.DISPLAY);
    assertThat(open(token, TICKET, "s-bob", ALLOWED_ORIGIN, new Screen()).join().getSubprotocol())
        .isEqualTo(DisplayCredentials.DISPLAY);
  }

  @Test
  void anotherUsersSessionIsRefused404AndAudited() {
    assertThat(handshakeStatus(token("alice"), TICKET, "s-bob", null)).isEqualTo(404);
    assertError(refusal(token("alice"), TICKET, "s-bob", null), 404, "session_not_found");

    assertRefusedTwice("alice");
    assertThat(relay.accepted).hasValue(0);
  }

  @Test
  void aDesktopABrowserCannotShowIsRefused409() {
    broker.a1.addSession("vm-1", "s-rdp", "bob",
        Connection.newBuilder().setProtocol("rdp").setHost("vm-1.test").setPort(3389).build());

    Answer refused = refusal(token("bob"), TICKET, "s-rdp", null);

    assertThat(assertError(refused, 409, "conflict").path("message").asText()).contains("rdp", "browser");
  }

  @Test
  void aRelayWhoseCertificateIsOfAnotherVmNeverSeesTheTicket() throws Exception {
    TlsCredentials agentOfVm2 = ca.issue(Identity.of(Role.AGENT, "vm-2"), List.of(), Duration.ofDays(1));
    try (FakeDisplayRelay impostor = new FakeDisplayRelay(agentOfVm2)) {
      broker.a1.addSession("vm-1", "s-bob-2", "bob", impostor.connection());
      Screen screen = new Screen();
      open(token("bob"), TICKET, "s-bob-2", null, screen).join();

      Screen.Closed closed = screen.closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
      assertThat(closed.code()).isEqualTo(4502);
      assertThat(closed.reason()).contains("identity");
      await().atMost(WAIT).until(() -> impostor.ended.get() == 1);
      assertThat(impostor.requests).isEmpty();
      assertThat(screen.received()).isEmpty();
      assertThat(audit("bob", "display.relay.refuse").get(0).detail()).contains("agent vm-2", "vm-1");
    }
  }

  @Test
  void displaysPastALimitAreRefused429NamingTheLimit() {
    // two per user, three on the broker
    String bob = token("bob");
    String carol = token("carol");
    List<Screen> screens = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Screen screen = new Screen();
      open(bob, TICKET, "s-bob", null, screen).join();
      screens.add(screen);
    }
    screens.forEach(s -> s.awaitReceived(FakeDisplayRelay.RFB_VERSION));

    Answer perUser = refusal(bob, TICKET, "s-bob", null);
    assertThat(assertError(perUser, 429, "too_many_displays").path("message").asText()).contains("2 displays");
    assertThat(perUser.header("Retry-After")).isPresent();
    Screen third = new Screen();
    open(carol, TICKET, "s-carol", null, third).join();
    third.awaitReceived(FakeDisplayRelay.RFB_VERSION);
    assertThat(assertError(refusal(carol, TICKET, "s-carol", null), 429, "too_many_displays")
        .path("message").asText()).contains("this broker has 3 displays");
    assertThat(handshakeStatus(carol, TICKET, "s-carol", null)).isEqualTo(429);
  }

  @Test
  void closingTheBrowserClosesTheRelaySocketAndFreesTheDisplay() {
    Screen screen = new Screen();
    WebSocket socket = open(token("bob"), TICKET, "s-bob", null, screen).join();
    screen.awaitReceived(FakeDisplayRelay.RFB_VERSION);
    assertThat(openDisplays()).isEqualTo(1);

    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();

    await().atMost(WAIT).until(() -> relay.ended.get() == 1);
    await().atMost(WAIT).until(() -> openDisplays() == 0);
    // and a display may open again
    Screen again = new Screen();
    open(token("bob"), TICKET, "s-bob", null, again).join();
    again.awaitReceived(FakeDisplayRelay.RFB_VERSION);
  }

  @Test
  void aRelayThatNeverAnswersEndsTheDisplayWithinTheAnswerTimeout() {
    relay.answer = FakeDisplayRelay.Answer.SILENT;
    Screen screen = new Screen();
    open(token("bob"), TICKET, "s-bob", null, screen).join();
    long opened = System.nanoTime();

    Screen.Closed closed = screen.closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();

    assertThat(closed.code()).isEqualTo(4504);
    assertThat(Duration.ofNanos(System.nanoTime() - opened)).isLessThan(ANSWER_TIMEOUT.plusSeconds(3));
    assertThat(relay.requests).hasSize(1);
    await().atMost(WAIT).until(() -> relay.ended.get() == 1 && openDisplays() == 0);
  }

  @Test
  void aTextMessageEndsTheDisplayWith1003() {
    Screen screen = new Screen();
    WebSocket socket = open(token("bob"), TICKET, "s-bob", null, screen).join();
    screen.awaitReceived(FakeDisplayRelay.RFB_VERSION);

    socket.sendText("hello", true).join();

    assertThat(screen.closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join().code()).isEqualTo(1003);
    await().atMost(WAIT).until(() -> relay.ended.get() == 1 && openDisplays() == 0);
  }

  @Test
  void aBrowserThatStopsReadingSlowsTheDesktopAndLosesItsDisplayAfterTheIdleTimeout() {
    TestBroker.Api quick = broker.startBroker("quick-idle", broker.store, settings -> settings
        .withSecurity(settings.security().withLinks(LinkSecurity.tls(brokerCertificate)))
        .withDisplays(DisplaySettings.DEFAULT.withTimeouts(Duration.ofSeconds(2), ANSWER_TIMEOUT, Duration.ofSeconds(1))));
    relay.answer = FakeDisplayRelay.Answer.FLOOD;
    open(quick, token("bob"), TICKET, "s-bob", null, new Screen(false)).join();

    // the broker reads the desktop only as fast as the browser takes it: the relay's sends stall
    await().atMost(WAIT).until(() -> relay.flooded.get() > 0);
    await().atMost(WAIT).until(() -> relay.ended.get() == 1);
    assertThat(relay.flooded.get()).as("bytes the relay could send").isLessThan(64L * 1024 * 1024);
    await().atMost(WAIT).until(() -> openDisplays(quick) == 0);
  }

  @Test
  void aBrokerWithoutACertificateReachesAnInsecureAgentInPlainTcp() throws Exception {
    TestBroker.Api insecure = broker.startBroker("insecure", broker.store);  // LinkSecurity.PLAINTEXT
    try (FakeDisplayRelay plain = new FakeDisplayRelay(null)) {
      broker.a1.addSession("vm-1", "s-bob-plain", "bob", plain.connection());
      Screen screen = new Screen();
      WebSocket socket = open(insecure, token("bob"), TICKET, "s-bob-plain", null, screen).join();

      screen.awaitReceived(FakeDisplayRelay.RFB_VERSION);
      socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
      screen.awaitReceived(FakeDisplayRelay.RFB_VERSION + "\u0001\u0002\u0003");
      assertThat(plain.requests).hasSize(1);
    }
  }

  @Test
  void stoppingTheBrokerTellsTheBrowserAndClosesTheRelay() {
    Screen screen = new Screen();
    open(token("bob"), TICKET, "s-bob", null, screen).join();
    screen.awaitReceived(FakeDisplayRelay.RFB_VERSION);

    broker.stopBrokers();

    assertThat(screen.closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join().code()).isEqualTo(1001);
    await().atMost(WAIT).until(() -> relay.ended.get() == 1);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private String token(String user) {
    Answer signedIn = broker.api.send(null, null, "POST", "/api/v1/auth/login",
        json("username", user, "password", PASSWORD), null);
    assertThat(signedIn.status()).as("%s", signedIn).isEqualTo(200);
    return signedIn.text("/token");
  }

  private URI displayUri(String sessionId) {
    return displayUri(broker.api, sessionId);
  }

  private static URI displayUri(TestBroker.Api api, String sessionId) {
    return URI.create(api.base.replaceFirst("^http", "ws") + "/api/v1/sessions/" + sessionId + "/display");
  }

  private static List<String> subprotocols(String token, String ticket) {
    List<String> offered = new ArrayList<>(List.of(DisplayCredentials.DISPLAY));
    if (token != null) {
      offered.add(DisplayCredentials.TOKEN_PREFIX + token);
    }
    if (ticket != null) {
      offered.add(DisplayCredentials.TICKET_PREFIX + ticket);
    }
    return offered;
  }

  /** Opens a display as a browser would; {@code origin} null sends none. */
  private CompletableFuture<WebSocket> open(String token, String ticket, String sessionId, String origin, Screen screen) {
    return open(broker.api, token, ticket, sessionId, origin, screen);
  }

  private CompletableFuture<WebSocket> open(
      TestBroker.Api api, String token, String ticket, String sessionId, String origin, Screen screen) {
    List<String> offered = subprotocols(token, ticket);
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(WAIT)
        .subprotocols(offered.get(0), offered.subList(1, offered.size()).toArray(String[]::new));
    if (origin != null) {
      builder.header("Origin", origin);
    }
    return builder.buildAsync(displayUri(api, sessionId), screen);
  }

  /** The HTTP status of a handshake the broker refuses. */
  private int handshakeStatus(String token, String ticket, String sessionId, String origin) {
    CompletableFuture<WebSocket> opening = open(token, ticket, sessionId, origin, new Screen());
    assertThatThrownBy(opening::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(WebSocketHandshakeException.class);
    return ((WebSocketHandshakeException) opening.handle((ws, e) -> e.getCause()).join()).getResponse().statusCode();
  }

  /**
   * A display request as the broker's checks before the upgrade see it (Javalin takes a request
   * with {@code Sec-WebSocket-Version} for an upgrade), to read the refusal's body, which the
   * WebSocket client does not show.
   */
  private Answer refusal(String token, String ticket, String sessionId, String origin) {
    String path = "/api/v1/sessions/" + sessionId + "/display";
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.api.base + path)).timeout(WAIT)
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Protocol", String.join(", ", subprotocols(token, ticket)));
    if (origin != null) {
      request.header("Origin", origin);
    }
    HttpResponse<String> response = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).join();
    return new Answer("GET", path, response.statusCode(), response.body(), response.headers());
  }

  /** The broker's gauge of open displays, as /metrics shows it. */
  private int openDisplays() {
    return openDisplays(broker.api);
  }

  private static int openDisplays(TestBroker.Api api) {
    for (String line : api.send(null, null, "GET", "/metrics", null, null).body().split("\n")) {
      if (line.startsWith("shardbroker_broker_displays_open ")) {
        return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    throw new AssertionError("no shardbroker_broker_displays_open in /metrics");
  }

  /** Two refusals of {@code user}'s display of s-bob in the audit log: a row, and once the minute is over its count. */
  private void assertRefusedTwice(String user) {
    broker.clock.advance(Refusals.WINDOW);
    assertThat(audit(user, "display.refuse")).extracting(AuditEntry::target).containsOnly("s-bob");
    assertThat(audit(user, "display.refuse")).extracting(AuditEntry::detail)
        .anySatisfy(detail -> assertThat(detail).startsWith("1 more like this"));
  }

  private List<AuditEntry> audit(String user, String action) {
    return broker.store.audit().query(new AuditEntry.Query(user, action, null, null, null, null)).items();
  }

  /** A browser's end of a display: what it received, and how it was closed. */
  static final class Screen implements WebSocket.Listener {
    record Closed(int code, String reason) {}

    final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final boolean reads;
    /** Bytes of the message coming in, and of the largest whole one; guarded by {@link #received}. */
    private int messageBytes;
    private int largestMessage;

    /** A browser that reads all the broker sends. */
    Screen() {
      this(true);
    }

    /** @param reads false: takes the first message and then reads no more, as a browser that hangs */
    Screen(boolean reads) {
      this.reads = reads;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      synchronized (received) {
        messageBytes += data.remaining();
        while (data.hasRemaining()) {
          received.write(data.get());
        }
        if (last) {
          largestMessage = Math.max(largestMessage, messageBytes);
          messageBytes = 0;
        }
      }
      if (reads) {
        socket.request(1);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      closed.complete(new Closed(code, reason));
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      closed.completeExceptionally(error);
    }

    String received() {
      synchronized (received) {
        return received.toString(StandardCharsets.ISO_8859_1);
      }
    }

    byte[] receivedBytes() {
      synchronized (received) {
        return received.toByteArray();
      }
    }

    int largestMessage() {
      synchronized (received) {
        return largestMessage;
      }
    }

    void awaitReceived(String expected) {
      await().atMost(WAIT).until(() -> received().equals(expected));
    }
  }
}
