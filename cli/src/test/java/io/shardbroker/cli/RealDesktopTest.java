package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.InProcessCluster;
import io.shardbroker.harness.InProcessLinks;
import io.shardbroker.testing.InstalledTools;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real desktops through the broker: two agents of real Xvnc desktops, their display relays on
 * mutual TLS, and a viewer that speaks RFB over the broker's WebSocket as noVNC does.
 */
@Timeout(120)
class RealDesktopTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private InProcessCluster cluster;
  private URI broker;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    InstalledTools.requireXvnc();
    ClusterSpec spec = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(1)
        .agent(ClusterSpec.RealAgent.vnc("linux-1", "linux", 1))
        .agent(ClusterSpec.RealAgent.vnc("linux-2", "linux", 1))
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(DemoCommand.seed(true)))
        .build();
    cluster = InProcessCluster.start(spec, InProcessLinks.loopback(false), Clock.systemUTC(), null,
        Files.createDirectories(dir.resolve("data")));
    cluster.awaitReady(WAIT);
    broker = cluster.brokers().get(0);
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aUserWorksInARealDesktopThroughTheBrokerWithATicketThatOpensItOnce() throws Exception {
    String token = signIn("bob");
    JsonNode session = openSession("bob", "linux");
    String sessionId = session.get("sessionId").asText();
    String ticket = session.at("/connection/ticket").asText();
    assertThat(session.at("/connection/protocol").asText()).isEqualTo("vnc");

    try (RfbOverWebSocket viewer = RfbOverWebSocket.open(broker, sessionId, token, ticket)) {
      RfbOverWebSocket.ServerInit init = viewer.handshake();
      assertThat(init.width()).isEqualTo(1280);
      assertThat(init.height()).isEqualTo(800);
      assertThat(viewer.awaitDrawnScreen(init)).isGreaterThan(1);
    }

    try (RfbOverWebSocket again = RfbOverWebSocket.open(broker, sessionId, token, ticket)) {
      assertThat(again.awaitClose().code()).as("the same ticket again").isEqualTo(4401);
    }
  }

  @Test
  void anotherUsersTicketDoesNotOpenADesktop() throws Exception {
    String bobToken = signIn("bob");
    JsonNode bobs = openSession("bob", "linux");
    JsonNode alices = openSession("alice", "linux");

    // bob, signed in, presents alice's ticket for his own session: the agent refuses it
    try (RfbOverWebSocket viewer = RfbOverWebSocket.open(broker, bobs.get("sessionId").asText(), bobToken,
        alices.at("/connection/ticket").asText())) {
      assertThat(viewer.awaitClose().code()).isEqualTo(4401);
    }
    // and alice's session is not bob's to open at all
    assertThatThrownBy(() -> RfbOverWebSocket.open(broker, alices.get("sessionId").asText(), bobToken,
        alices.at("/connection/ticket").asText())).hasStackTraceContaining("404");
  }

  @Test
  void aLogoffInsideTheDesktopFreesTheVm() throws Exception {
    JsonNode session = openSession("bob", "linux");
    String sessionId = session.get("sessionId").asText();
    await().atMost(WAIT).until(() -> sessionCommand(sessionId).isPresent());

    sessionCommand(sessionId).orElseThrow().destroy();  // bob typed exit in the terminal

    await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/v1/sessions", "bob").get("sessions").isEmpty());
    await().atMost(Duration.ofSeconds(5)).until(() -> freeDesktops() == 2);
    // the history says who ended it, once, though both sets reported the end
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode ends = get("/api/v1/admin/sessions?user=bob&event=end", "alice").get("events");
      assertThat(ends).hasSize(1);
      assertThat(ends.get(0).get("sessionId").asText()).isEqualTo(sessionId);
      assertThat(ends.get(0).get("detail").asText()).isEqualTo("logged_off");
    });
  }

  /** The terminal of {@code sessionId}'s desktop, found as an operator would: by its environment. */
  static Optional<ProcessHandle> sessionCommand(String sessionId) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").endsWith("/xterm"))
        .filter(p -> environment(p.pid()).contains("SHARDBROKER_SESSION_ID=" + sessionId + "\0"))
        .findFirst();
  }

  private static String environment(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private int freeDesktops() throws Exception {
    for (JsonNode pool : get("/api/v1/pools", "bob").get("pools")) {
      if (pool.get("name").asText().equals("linux")) {
        return pool.path("freeSessions").asInt(-1);
      }
    }
    return -1;
  }

  private String signIn(String user) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(broker.resolve("/api/v1/auth/login"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"username\": \"" + user + "\", \"password\": \"" + DemoCommand.PASSWORD + "\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body()).get("token").asText();
  }

  private JsonNode openSession(String user, String pool) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(broker.resolve("/api/v1/sessions"))
        .header("Authorization", basic(user)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pool\": \"" + pool + "\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    return JSON.readTree(answer.body());
  }

  private JsonNode get(String path, String user) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(broker.resolve(path))
        .header("Authorization", basic(user)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  private static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + DemoCommand.PASSWORD).getBytes(StandardCharsets.UTF_8));
  }
}
