package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.store.Group;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.testing.InstalledTools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real desktop's agent process killed with SIGKILL and started again while a user works in it:
 * the desktop runs on, the restarted agent reports it before it takes any start, and a storm of
 * other users never gets that VM, before, during or after the restart.
 */
@Timeout(240)
class RealDesktopRestartIT {

  private static final String VM = "linux-1";
  private static final String PASSWORD = "restart-pass";
  private static final List<String> OTHERS = IntStream.rangeClosed(1, 6).mapToObj(i -> "user" + i).toList();
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private ProcessCluster cluster;
  private URI broker;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRestartedAgentNeverGivesItsBusyDesktopToAnotherUser() throws Exception {
    InstalledTools.requireXvnc();
    List<User.New> users = new ArrayList<>(List.of(new User.New("bob", "Bob", PASSWORD, true, List.of("staff"))));
    OTHERS.forEach(u -> users.add(new User.New(u, u, PASSWORD, true, List.of("staff"))));
    Seed seed = new Seed(List.of(DemoCommand.LINUX), List.of(new Group("staff", "", List.of())), users,
        List.of(new Seed.SeedEntitlement(DemoCommand.LINUX.name(), null, "staff")));
    ClusterSpec spec = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(1)
        .agent(ClusterSpec.RealAgent.vnc(VM, DemoCommand.LINUX.name(), 1))
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed))
        .build();
    cluster = ProcessCluster.start(spec, ProcessCluster.Options.defaults(
        Path.of("target", "it", "real-desktop-restart"), LocalProcesses.productJar()));
    cluster.awaitReady(Duration.ofSeconds(60));
    broker = cluster.brokers().get(0);

    JsonNode bobs = request("POST", "/api/v1/sessions", "bob", 201);
    assertThat(bobs.get("vmId").asText()).isEqualTo(VM);
    String sessionId = bobs.get("sessionId").asText();
    assertOthersGetNothing("while bob works");

    cluster.kill(VM);
    assertOthersGetNothing("while the agent is down");

    cluster.restart(VM);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> reachable(sessionId));
    assertOthersGetNothing("after the restart");

    JsonNode again = request("POST", "/api/v1/sessions", "bob", 200);
    assertThat(again.get("sessionId").asText()).as("bob gets his running desktop back").isEqualTo(sessionId);
    assertThat(again.get("reconnected").asBoolean()).isTrue();
    String token = JSON.readTree(send("POST", "/api/v1/auth/login", null,
        "{\"username\": \"bob\", \"password\": \"" + PASSWORD + "\"}").body()).get("token").asText();
    try (RfbOverWebSocket viewer = RfbOverWebSocket.open(broker, sessionId, token,
        again.at("/connection/ticket").asText())) {
      RfbOverWebSocket.ServerInit init = viewer.handshake();
      assertThat(viewer.awaitDrawnScreen(init)).as("the desktop that ran on through the restart").isGreaterThan(1);
    }
  }

  /** Every other user asks for a desktop at once: each is refused, none gets bob's VM. */
  private void assertOthersGetNothing(String when) {
    List<CompletableFuture<HttpResponse<String>>> asks = OTHERS.stream()
        .map(u -> CompletableFuture.supplyAsync(() -> send("POST", "/api/v1/sessions", u, "{\"pool\": \"linux\"}")))
        .toList();
    for (CompletableFuture<HttpResponse<String>> ask : asks) {
      HttpResponse<String> answer = ask.join();
      assertThat(answer.statusCode()).as(when + ": " + answer.body()).isGreaterThanOrEqualTo(400);
      assertThat(answer.body()).as(when).doesNotContain(VM);
    }
  }

  private boolean reachable(String sessionId) throws Exception {
    for (JsonNode s : request("GET", "/api/v1/sessions", "bob", 200).get("sessions")) {
      if (s.get("sessionId").asText().equals(sessionId) && s.path("reachable").asBoolean(true)) {
        return true;
      }
    }
    return false;
  }

  private JsonNode request(String method, String path, String user, int expected) throws Exception {
    HttpResponse<String> answer = send(method, path, user, method.equals("POST") ? "{\"pool\": \"linux\"}" : null);
    assertThat(answer.statusCode()).as(method + " " + path + ": " + answer.body()).isEqualTo(expected);
    return JSON.readTree(answer.body());
  }

  private HttpResponse<String> send(String method, String path, String user, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(broker.resolve(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (user != null) {
      request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          (user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
