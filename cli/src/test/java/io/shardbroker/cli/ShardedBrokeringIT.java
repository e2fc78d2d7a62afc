package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.agent.sim.SimulatedFleet.VmTruth;
import io.shardbroker.harness.ApiClient;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.FleetInvariants;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
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
  private static Path labDir;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir = Path.of("target", "it", "sharded-brokering");
    labDir = Files.createDirectories(Path.of("target", "it", "sharded-brokering-lab"));
    Files.deleteIfExists(labDir.resolve("started"));
    Files.deleteIfExists(labDir.resolve("ended"));
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
    List<Pool> pools = List.of(
        new Pool("desktop", "desktop", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
        new Pool("shared", "shared", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true),
        new Pool("lab", "lab", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "vnc", true));
    List<User.New> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {  // user(0) is an admin too: the fleet's views are for admins
      users.add(new User.New(user(i), user(i), password(i), true,
          i == 0 ? List.of("everyone", Group.ADMINS) : List.of("everyone")));
    }
    Seed seed = new Seed(pools, List.of(new Group("everyone", "", List.of()), new Group(Group.ADMINS, "", List.of())),
        users,
        pools.stream().map(p -> new Seed.SeedEntitlement(p.name(), null, "everyone")).toList());
    List<String> env = List.of("env", "LAB_DIR=" + labDir.toAbsolutePath());
    ClusterSpec spec = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(2)
        .heartbeat(Duration.ofSeconds(2))
        .fleet(new SimulatedFleet.Spec(List.of(new SimulatedFleet.PoolSpec("desktop", DESKTOPS, 1),
            new SimulatedFleet.PoolSpec("shared", HOSTS, HOST_CAPACITY)), SimulatedSessionHost.Settings.DEFAULTS, 42))
        .agent(new ClusterSpec.RealAgent("lab-1", "lab", 2, with(env, start), with(env, end)))
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed))  // a thousand users: cheap password hashes
        .build();
    cluster = ProcessCluster.start(spec, ProcessCluster.Options.defaults(dir, LocalProcesses.productJar())
        .with(new ProcessCluster.Jvm("256m", LocalProcesses.Jvm.QUICK_START),
            new ProcessCluster.Jvm("512m", LocalProcesses.Jvm.QUICK_START),
            new ProcessCluster.Jvm("512m", LocalProcesses.Jvm.QUICK_START)));
    cluster.awaitReady(STARTUP);
    api = new ApiClient(cluster.brokers().get(0).toString(), Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static List<String> with(List<String> command, Path script) {
    List<String> all = new ArrayList<>(command);
    all.add(script.toAbsolutePath().toString());
    return all;
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

    List<VmTruth> truth = cluster.fleet().vms();
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
    assertThat(cluster.fleet().sessions()).isZero();
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
      assertThat(cluster.log("broker-1")).contains("[" + requestId + "]");
      assertThat(cluster.log(owner)).contains("[" + requestId + "]");
      assertThat(cluster.log("lab-1")).contains("[" + requestId + "]");
    });

    assertThat(api.endSession(user(7), password(7), sessionId).join().status()).isEqualTo(204);
    assertThat(Files.readString(labDir.resolve("ended")).strip()).isEqualTo(sessionId + " " + user(7));
  }
}
