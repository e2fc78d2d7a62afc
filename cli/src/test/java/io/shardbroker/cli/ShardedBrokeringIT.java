package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.sim.SimulatedFleet.VmTruth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles as separate JVMs over real loopback sockets: one broker, 2 sets x 2 concentrators,
 * and a sim process with 500 VMs. A thousand users ask at once; the desktops' own record is the
 * judge of whether anything was given twice.
 */
@Timeout(300)
class ShardedBrokeringIT {

  private static final Logger log = LoggerFactory.getLogger(ShardedBrokeringIT.class);
  private static final int DESKTOPS = 400;
  private static final int HOSTS = 100;
  private static final int HOST_CAPACITY = 4;
  private static final int USERS = 1000;
  private static final Duration STARTUP = Duration.ofSeconds(90);

  private static ProcessCluster cluster;
  private static ApiClient api;
  private static int simPort;
  private static Path labDir;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new ProcessCluster(Path.of("target", "it", "sharded-brokering"));
    Map<String, Integer> ports = new HashMap<>();
    StringBuilder topology = new StringBuilder("version: 1\nsets:\n");
    for (String set : List.of("a", "b")) {
      topology.append("  - id: ").append(set).append("\n    concentrators:\n");
      for (int i = 1; i <= 2; i++) {
        int port = ProcessCluster.freePort();
        ports.put(set + i, port);
        topology.append("      - {id: ").append(set).append(i)
            .append(", address: \"127.0.0.1:").append(port).append("\"}\n");
      }
    }
    Path topologyFile = Files.writeString(cluster.dir.resolve("topology.yaml"), topology);

    StringBuilder broker = new StringBuilder("""
        store:
          passwordHashing: {memoryKiB: 1024, iterations: 1}   # a thousand users: keep sign-in cheap
        seed:
          pools:
            - {name: desktop}
            - {name: shared, sessionMode: multi}
            - {name: lab, sessionMode: multi, protocol: vnc}
          groups: [{name: everyone}]
          entitlements:
            - {pool: desktop, group: everyone}
            - {pool: shared, group: everyone}
            - {pool: lab, group: everyone}
          users:
        """);
    for (int i = 0; i < USERS; i++) {
      broker.append("    - {name: ").append(user(i)).append(", password: ").append(password(i))
          .append(", groups: [everyone]}\n");
    }
    Path brokerConfig = Files.writeString(cluster.dir.resolve("broker.yaml"), broker);

    for (String id : ports.keySet()) {
      cluster.start(id, ProcessCluster.with(List.of("concentrator", "--id", id, "--topology", topologyFile.toString(),
          "--heartbeat-interval", "2s", "--warm-up", "0s"), cluster.certificates.concentrator(id)),
          "256m");  // started before the fleet
    }
    simPort = ProcessCluster.freePort();
    cluster.start("sim", ProcessCluster.with(List.of("sim", "--topology", topologyFile.toString(),
        "--pools", "desktop:" + DESKTOPS + ":1,shared:" + HOSTS + ":" + HOST_CAPACITY,
        "--http-port", String.valueOf(simPort)), cluster.certificates.fleet(List.of("desktop", "shared"))), "512m");
    labDir = Files.createDirectories(cluster.dir.resolve("lab"));
    Path start = script(labDir.resolve("start.sh"), """
        #!/bin/sh
        set -eu
        echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $SHARDBROKER_POOL $SHARDBROKER_VM_ID" >> "$LAB_DIR/started"
        printf '{"host": "lab-host.example", "port": 5901, "protocol": "vnc"}\\n'
        """);
    Path end = script(labDir.resolve("end.sh"), """
        #!/bin/sh
        set -eu
        echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER" >> "$LAB_DIR/ended"
        """);
    cluster.start("agent", ProcessCluster.with(List.of("agent", "--vm-id", "lab-1", "--pool", "lab", "--capacity", "2",
        "--start-script", start.toString(), "--end-script", end.toString(),
        "--topology", topologyFile.toString()), cluster.certificates.agent("lab-1")), "128m",
        Map.of("LAB_DIR", labDir.toString()));
    int httpPort = ProcessCluster.freePort();
    cluster.start("broker", ProcessCluster.with(List.of("broker", "--config", brokerConfig.toString(),
        "--topology", topologyFile.toString(), "--http-port", String.valueOf(httpPort),
        "--data", cluster.dir.resolve("data").toString()), cluster.certificates.broker("broker")), "512m");
    for (String id : ports.keySet()) {
      cluster.awaitReady(id, STARTUP);
    }
    cluster.awaitReady("sim", STARTUP);
    cluster.awaitReady("agent", STARTUP);
    cluster.awaitReady("broker", STARTUP);
    api = new ApiClient("http://127.0.0.1:" + httpPort, Duration.ofSeconds(60));
    await().atMost(STARTUP).until(() -> api.get(user(0), password(0), "/readyz").status() == 200);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Path script(Path file, String text) throws Exception {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private static String user(int i) {
    return String.format("user%04d", i);
  }

  private static String password(int i) {
    return "password-" + i;
  }

  @Test
  void aThousandConcurrentUsersNeverShareADesktopAndEveryVmComesBack() throws Exception {
    List<CompletableFuture<ApiClient.Answer>> calls = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      calls.add(api.openSession(user(i), password(i), i % 5 < 3 ? "desktop" : "shared"));
    }
    List<JsonNode> created = new ArrayList<>();
    Map<String, String> passwords = new HashMap<>();
    int refused = 0;
    for (int i = 0; i < USERS; i++) {
      ApiClient.Answer answer = calls.get(i).join();
      assertThat(answer.status()).as("answer to %s: %s", user(i), answer.body()).isIn(201, 503);
      if (answer.status() == 201) {
        created.add(answer.body());
        passwords.put(user(i), password(i));
      } else {
        refused++;
        assertThat(answer.raw().headers().firstValue("Retry-After")).isPresent();
      }
    }
    log.info("{} concurrent requests: {} sessions, {} refused (capacity {})", USERS,
        created.size(), refused, DESKTOPS + HOSTS * HOST_CAPACITY);

    List<VmTruth> truth = truth();
    assertThat(truth).hasSize(DESKTOPS + HOSTS);
    FleetInvariants.assertNoDoubleAssignment(truth);
    FleetInvariants.assertExactlyTheseSessions(truth, created);
    // Contention between concurrent requests may cost a few, but not more than 3% of the capacity.
    assertThat(created.size()).isGreaterThanOrEqualTo((DESKTOPS + HOSTS * HOST_CAPACITY) * 97 / 100);

    List<CompletableFuture<ApiClient.Answer>> ends = new ArrayList<>();
    for (JsonNode s : created) {
      String user = s.get("user").asText();
      ends.add(api.endSession(user, passwords.get(user), s.get("sessionId").asText()));
    }
    for (CompletableFuture<ApiClient.Answer> end : ends) {
      assertThat(end.join().status()).isEqualTo(204);
    }
    assertThat(FleetInvariants.sessionCount(truth())).isZero();
    for (String set : List.of("a", "b")) {
      for (String pool : List.of("desktop", "shared")) {
        await("every VM of " + pool + " available in set " + set).atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(api.get(user(0), password(0),
                    "/api/v1/vms?set=" + set + "&pool=" + pool + "&state=available")
                .body().get("count").asInt()).isEqualTo(pool.equals("desktop") ? DESKTOPS : HOSTS));
      }
    }
  }

  @Test
  void aRealAgentRunsTheOperatorsScriptsAndEveryRoleLogsTheRequestId() throws Exception {
    ApiClient.Answer started = api.openSession(user(7), password(7), "lab").join();

    assertThat(started.status()).as("%s", started.body()).isEqualTo(201);
    JsonNode session = started.body();
    assertThat(session.get("vmId").asText()).isEqualTo("lab-1");
    assertThat(session.at("/connection/host").asText()).isEqualTo("lab-host.example");
    assertThat(session.at("/connection/port").asInt()).isEqualTo(5901);
    assertThat(session.at("/connection/protocol").asText()).isEqualTo("vnc");
    String sessionId = session.get("sessionId").asText();
    assertThat(Files.readString(labDir.resolve("started")).strip())
        .isEqualTo(sessionId + " " + user(7) + " lab lab-1");

    String requestId = started.raw().headers().firstValue("X-Request-Id").orElseThrow();
    String owner = session.get("concentrator").asText();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(cluster.log("broker")).contains("[" + requestId + "]");
      assertThat(cluster.log(owner)).contains("[" + requestId + "]");
      assertThat(cluster.log("agent")).contains("[" + requestId + "]");
    });

    assertThat(api.endSession(user(7), password(7), sessionId).join().status()).isEqualTo(204);
    assertThat(Files.readString(labDir.resolve("ended")).strip()).isEqualTo(sessionId + " " + user(7));
  }

  private static List<VmTruth> truth() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + simPort + "/truth"))
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode body = ApiClient.JSON.readTree(response.body());
    return ApiClient.JSON.convertValue(body.get("vms"), new TypeReference<List<VmTruth>>() {});
  }
}
