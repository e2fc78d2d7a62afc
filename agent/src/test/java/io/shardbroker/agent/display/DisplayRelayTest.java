package io.shardbroker.agent.display;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.TicketBook;
import io.shardbroker.agent.display.RelayClient.ServerInit;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.Role;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The display relay over real loopback TLS and Unix sockets, with {@link FakeVncServer}s as the
 * desktops and {@link RelayClient} as the broker.
 */
@Timeout(60)
class DisplayRelayTest {

  private static final Duration YEAR = Duration.ofDays(365);
  private static final byte[] PASSWORD = "pa55-w0r".getBytes(StandardCharsets.US_ASCII);
  /** A key event, a pointer event and an update request, as a viewer sends them. */
  private static final byte[] INPUT = {
      4, 1, 0, 0, 0, 0, 0, 0x61,
      5, 1, 0, 10, 0, 20,
      3, 1, 0, 0, 0, 0, 3, 32, 2, 88};

  private static SSLContext agentTls;
  private static SSLContext brokerTls;
  /** An agent certificate, dialling as if it were a broker. */
  private static SSLContext otherAgentTls;

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final TicketBook tickets = new TicketBook(clock);
  private final Map<String, LocalDisplay> displays = new ConcurrentHashMap<>();
  private final RecordingActivity activity = new RecordingActivity();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private FakeVncServer desktop;
  private DisplayRelay relay;

  @BeforeAll
  static void certificates() {
    CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());
    agentTls = JsseTls.context(ca.issue(Identity.of(Role.AGENT, "vm-7"), List.of(), YEAR), Set.of(Role.BROKER));
    brokerTls = JsseTls.context(ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR), Set.of(Role.AGENT));
    otherAgentTls = JsseTls.context(ca.issue(Identity.of(Role.AGENT, "vm-8"), List.of(), YEAR), Set.of(Role.AGENT));
  }

  @BeforeEach
  void setUp() throws Exception {
    desktop = desktop("s-1");
    relay = started(16, Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private FakeVncServer desktop(String sessionId) throws IOException {
    Path socket = dir.resolve(sessionId + ".sock");
    FakeVncServer server = new FakeVncServer(socket, PASSWORD);
    toClose.add(server);
    displays.put(sessionId, new LocalDisplay(socket, PASSWORD));
    return server;
  }

  private DisplayRelay started(int maxOpen, Duration handshakeTimeout) throws IOException {
    DisplayRelay started = new DisplayRelay(
        new DisplayRelay.Settings(InetAddress.getLoopbackAddress(), 0, maxOpen, handshakeTimeout),
        agentTls, tickets::redeem, id -> Optional.ofNullable(displays.get(id)), activity);
    toClose.add(started);
    started.start();
    return started;
  }

  private RelayClient dial() throws IOException {
    RelayClient client = RelayClient.dial(relay.port(), brokerTls);
    toClose.add(client);
    return client;
  }

  private String ticket(String sessionId, String user) {
    return tickets.issue(sessionId, user).value();
  }

  /** A viewer of {@code sessionId} for bob, through the handshakes and ServerInit. */
  private RelayClient viewer(String sessionId) throws IOException {
    RelayClient viewer = dial();
    assertThat(viewer.request(ticket(sessionId, "bob"), "bob", sessionId).toString()).isEqualTo("{\"ok\":true}");
    viewer.handshake("003.008");
    assertThat(viewer.init(true)).isEqualTo(new ServerInit(FakeVncServer.WIDTH, FakeVncServer.HEIGHT, FakeVncServer.NAME));
    return viewer;
  }

  private static void assertRefused(JsonNode answer, String error) {
    assertThat(answer.get("ok").asBoolean()).isFalse();
    assertThat(answer.get("error").asText()).isEqualTo(error);
    assertThat(answer.get("message").asText()).isNotBlank().doesNotContain("sct-");
    assertThat(answer.size()).isEqualTo(3);
  }

  /** Nothing left of refused connections: no open display, no connection thread. */
  private void assertNothingLeft() {
    String threads = "display-relay-" + relay.port() + "-connection-";
    await().untilAsserted(() -> {
      assertThat(relay.openDisplays()).isZero();
      assertThat(LiveThreads.named(threads)).isEmpty();
    });
  }

  @Test
  void aGoodTicketGetsTheDesktopWithBytesBothWaysAndInputReported() throws Exception {
    RelayClient viewer = viewer("s-1");
    FakeVncServer.Client display = desktop.last();
    assertThat(display.loggedIn()).isTrue();
    assertThat(display.clientInit()).as("ClientInit's shared flag, passed through").isEqualTo(1);
    assertThat(activity.events()).containsExactly("connected s-1");
    assertThat(relay.openDisplays()).isOne();
    assertThat(LiveThreads.named("display-relay-" + relay.port() + "-connection-"))
        .as("one thread each way").hasSize(2);

    viewer.send(INPUT);
    await().untilAsserted(() -> assertThat(display.received()).isEqualTo(INPUT));
    assertThat(activity.events()).first().isEqualTo("connected s-1");
    assertThat(activity.events()).contains("input s-1").doesNotContain("disconnected s-1");

    byte[] update = {0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4};
    display.send(update);
    assertThat(viewer.read(update.length)).isEqualTo(update);

    viewer.close();
    await().untilAsserted(() -> assertThat(activity.connections()).containsExactly("connected s-1", "disconnected s-1"));
    await().until(display::ended);
    assertNothingLeft();
  }

  @ParameterizedTest
  @ValueSource(strings = {"003.003", "003.007", "003.008"})
  void viewersOfEachRfbVersionGetNoneSecurity(String version) throws Exception {
    RelayClient viewer = dial();
    assertThat(viewer.request(ticket("s-1", "bob"), "bob", "s-1").get("ok").asBoolean()).isTrue();
    viewer.handshake(version);
    assertThat(viewer.init(false).width()).isEqualTo(FakeVncServer.WIDTH);
    await().until(() -> desktop.last().clientInit() == 0);
  }

  @Test
  void aViewerOfAnotherRfbVersionOrSecurityTypeIsClosed() throws Exception {
    RelayClient other = dial();
    assertThat(other.request(ticket("s-1", "bob"), "bob", "s-1").get("ok").asBoolean()).isTrue();
    other.read(12);
    other.send("RFB 004.001\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(other.closedByRelay()).isTrue();

    RelayClient vncAuth = dial();
    assertThat(vncAuth.request(ticket("s-1", "bob"), "bob", "s-1").get("ok").asBoolean()).isTrue();
    vncAuth.read(12);
    vncAuth.send("RFB 003.008\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(vncAuth.read(2)).containsExactly(1, 1);
    vncAuth.send((byte) 2);
    assertThat(vncAuth.closedByRelay()).isTrue();

    assertThat(activity.events()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void aTicketAdmitsOnce() throws Exception {
    String ticket = ticket("s-1", "bob");
    try (RelayClient first = dial()) {
      assertThat(first.request(ticket, "bob", "s-1").get("ok").asBoolean()).isTrue();
    }
    assertRefused(dial().request(ticket, "bob", "s-1"), "ticket-refused");
  }

  @Test
  void anotherUsersTicketIsRefused() throws Exception {
    assertRefused(dial().request(ticket("s-1", "bob"), "eve", "s-1"), "ticket-refused");
    assertThat(desktop.clients()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void aTicketForAnotherSessionIsRefused() throws Exception {
    FakeVncServer other = desktop("s-2");
    assertRefused(dial().request(ticket("s-2", "bob"), "bob", "s-1"), "ticket-refused");
    assertThat(desktop.clients()).isEmpty();
    assertThat(other.clients()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void anExpiredTicketIsRefused() throws Exception {
    String ticket = ticket("s-1", "bob");
    clock.advance(TicketBook.LIFETIME);
    assertRefused(dial().request(ticket, "bob", "s-1"), "ticket-refused");
  }

  @Test
  void aSessionWithoutADisplayIsGone() throws Exception {
    assertRefused(dial().request(ticket("s-9", "bob"), "bob", "s-9"), "display-gone");
    assertNothingLeft();
  }

  @Test
  void aDisplayThatRefusesThePasswordOrIsNotThereIsUnreachable() throws Exception {
    displays.put("s-1", new LocalDisplay(dir.resolve("s-1.sock"), "wrong-pw".getBytes(StandardCharsets.US_ASCII)));
    assertRefused(dial().request(ticket("s-1", "bob"), "bob", "s-1"), "display-unreachable");
    assertThat(desktop.last().loggedIn()).isFalse();

    displays.put("s-2", new LocalDisplay(dir.resolve("nothing-here.sock"), PASSWORD));
    assertRefused(dial().request(ticket("s-2", "bob"), "bob", "s-2"), "display-unreachable");
    assertThat(activity.events()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void aDisplayThatNeverAnswersIsUnreachableAfterTheHandshakeTimeout() throws Exception {
    relay = started(16, Duration.ofSeconds(2));
    Path socket = dir.resolve("mute.sock");
    try (ServerSocketChannel mute = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      mute.bind(UnixDomainSocketAddress.of(socket));  // accepts into its backlog, never answers
      displays.put("s-2", new LocalDisplay(socket, PASSWORD));
      assertRefused(dial().request(ticket("s-2", "bob"), "bob", "s-2"), "display-unreachable");
    }
    assertNothingLeft();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "not json",
      "[\"sct-abc\", \"bob\", \"s-1\"]",
      "{\"ticket\":\"sct-abc\",\"user\":\"bob\"}",
      "{\"ticket\":7,\"user\":\"bob\",\"sessionId\":\"s-1\"}",
      "{\"ticket\":\"sct-abc\",\"user\":\"bob\",\"sessionId\":\"s-1\"} {}",
      "{\"ticket\":\"sct-abc\",\"user\":\"bob\",\"sessionId\":\"s-1\"",
      "{\"ticket\":\"sct-abc\",\"user\":\"bob\\nINFO forged\",\"sessionId\":\"s-1\"}",
  })
  void aLineThatIsNotARequestIsABadRequest(String line) throws Exception {
    RelayClient client = dial();
    client.sendLine(line);
    assertRefused(client.answer(), "bad-request");
    assertThat(client.closedByRelay()).isTrue();
    assertNothingLeft();
  }

  @Test
  void aLineOver4096BytesIsABadRequest() throws Exception {
    RelayClient client = dial();
    client.sendLine("{\"ticket\":\"" + ticket("s-1", "bob") + "\",\"user\":\"bob\",\"sessionId\":\"s-1\",\"pad\":\""
        + "x".repeat(5000) + "\"}");
    assertRefused(client.answer(), "bad-request");
    assertThat(client.closedByRelay()).isTrue();
    assertNothingLeft();
  }

  @Test
  void aBrokerThatNeverSpeaksIsTurnedAwayAfterTheHandshakeTimeout() throws Exception {
    relay = started(16, Duration.ofSeconds(2));
    RelayClient silent = dial();
    assertRefused(silent.answer(), "bad-request");
    assertThat(silent.closedByRelay()).isTrue();

    // Not even TLS: closed without a line.
    try (Socket tcp = new Socket()) {
      tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()), 5_000);
      tcp.setSoTimeout(20_000);
      assertThat(endsWithoutData(tcp)).isTrue();
    }
    assertNothingLeft();
  }

  @Test
  void aClientWithoutABrokerCertificateNeverGetsALine() throws Exception {
    for (SSLContext notBroker : List.of(otherAgentTls, withoutCertificate())) {
      String ticket = ticket("s-1", "bob");
      RelayClient client = RelayClient.dial(relay.port(), notBroker);
      toClose.add(client);
      assertThat(catchThrowable(() -> client.request(ticket, "bob", "s-1"))).isInstanceOf(IOException.class);
      assertThat(tickets.redeem(ticket, "bob")).as("the ticket was never presented").contains("s-1");
    }
    assertThat(desktop.clients()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void aSecondViewerTakesTheDisplayOverFromTheFirst() throws Exception {
    RelayClient first = viewer("s-1");
    RelayClient second = viewer("s-1");

    assertThat(first.closedByRelay()).isTrue();
    await().until(() -> desktop.clients().getFirst().ended());
    assertThat(activity.connections()).containsExactly("connected s-1", "connected s-1");
    assertThat(relay.openDisplays()).isOne();
    second.send(INPUT);
    await().untilAsserted(() -> assertThat(desktop.last().received()).isEqualTo(INPUT));

    second.close();
    await().untilAsserted(() -> assertThat(activity.connections())
        .containsExactly("connected s-1", "connected s-1", "disconnected s-1"));
    assertNothingLeft();
  }

  @Test
  void pastMaxOpenTheRelayIsBusyButAViewerMayStillTakeOver() throws Exception {
    relay = started(1, Duration.ofSeconds(5));
    desktop("s-2");
    RelayClient first = viewer("s-1");

    JsonNode busy = dial().request(ticket("s-2", "bob"), "bob", "s-2");
    assertRefused(busy, "busy");
    assertThat(busy.get("message").asText()).contains(" 1 ");

    viewer("s-1");
    assertThat(first.closedByRelay()).isTrue();
    assertThat(relay.openDisplays()).isOne();
  }

  @Test
  void whenTheDesktopEndsSoDoesItsViewer() throws Exception {
    RelayClient viewer = viewer("s-1");
    desktop.last().hangUp();
    assertThat(viewer.closedByRelay()).isTrue();
    await().untilAsserted(() -> assertThat(activity.connections()).containsExactly("connected s-1", "disconnected s-1"));
    assertNothingLeft();
  }

  @Test
  void aMessageTheRelayDoesNotLetThroughClosesTheViewer() throws Exception {
    RelayClient viewer = viewer("s-1");
    viewer.send((byte) 77, (byte) 0, (byte) 0, (byte) 0);
    assertThat(viewer.closedByRelay()).isTrue();
    await().until(() -> desktop.last().ended());
    assertThat(desktop.last().received()).isEmpty();
    assertNothingLeft();
  }

  @Test
  void closeEndsOpenViewersAndLeavesNoThread() throws Exception {
    RelayClient first = viewer("s-1");
    desktop("s-2");
    RelayClient second = viewer("s-2");
    int port = relay.port();

    relay.close();

    assertThat(first.closedByRelay()).isTrue();
    assertThat(second.closedByRelay()).isTrue();
    assertThat(relay.openDisplays()).isZero();
    assertThat(activity.connections()).containsExactlyInAnyOrder(
        "connected s-1", "connected s-2", "disconnected s-1", "disconnected s-2");
    assertThat(LiveThreads.named("display-relay-" + port + "-")).isEmpty();
    assertThat(LiveThreads.named("display-relay-" + port)).doesNotContain("display-relay-" + port);
  }

  @Test
  void withoutTlsTheContractIsTheSame() throws Exception {
    DisplayRelay plain = DisplayRelay.withoutTls(
        new DisplayRelay.Settings(InetAddress.getLoopbackAddress(), 0), tickets::redeem,
        id -> Optional.ofNullable(displays.get(id)), activity);
    toClose.add(plain);
    plain.start();
    RelayClient viewer = RelayClient.dial(plain.port(), null);
    toClose.add(viewer);
    assertThat(viewer.request(ticket("s-1", "bob"), "bob", "s-1").toString()).isEqualTo("{\"ok\":true}");
    viewer.handshake("003.008");
    assertThat(viewer.init(true).name()).isEqualTo(FakeVncServer.NAME);
  }

  @Test
  void neitherTicketsNorPasswordsAreLogged() throws Exception {
    Logger display = (Logger) LoggerFactory.getLogger("io.shardbroker.agent.display");
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    display.addAppender(logs);
    try {
      List<String> secrets = new ArrayList<>(List.of(new String(PASSWORD, StandardCharsets.US_ASCII)));
      String good = ticket("s-1", "bob");
      secrets.add(good);
      try (RelayClient viewer = dial()) {
        viewer.request(good, "bob", "s-1");
      }
      String stolen = ticket("s-1", "bob");
      secrets.add(stolen);
      dial().request(stolen, "eve", "s-1");
      String broken = ticket("s-1", "bob");
      secrets.add(broken);
      RelayClient client = dial();
      client.sendLine("{\"ticket\":\"" + broken + "\",\"user\":");
      client.answer();
      displays.put("s-1", new LocalDisplay(dir.resolve("s-1.sock"), "wrong-pw".getBytes(StandardCharsets.US_ASCII)));
      secrets.add("wrong-pw");
      String refused = ticket("s-1", "bob");
      secrets.add(refused);
      dial().request(refused, "bob", "s-1");

      await().until(() -> logs.list.size() >= 4);
      assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
          .anySatisfy(line -> assertThat(line).contains("eve", "s-1", "ticket-refused"))
          .allSatisfy(line -> assertThat(line).doesNotContain(secrets.toArray(String[]::new)));
    } finally {
      display.detachAppender(logs);
    }
  }

  /** Whether {@code socket}'s peer closes it, or it fails, before sending anything. */
  private static boolean endsWithoutData(Socket socket) {
    try {
      return socket.getInputStream().read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  /** A client context that shows no certificate and trusts any server. */
  private static SSLContext withoutCertificate() throws Exception {
    X509TrustManager anyServer = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(null, new TrustManager[] {anyServer}, null);
    return context;
  }
}
