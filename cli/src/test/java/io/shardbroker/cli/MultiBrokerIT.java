package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.harness.ApiClient;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two broker processes on one real PostgreSQL server, over one set of concentrators and a
 * simulated fleet, all separate JVMs: what one broker stores, the other sees; a session started
 * through one is listed and ended through the other; dedicated VMs claimed through both at once
 * are never given to two users.
 */
@Timeout(240)
class MultiBrokerIT {

  private static final Duration STARTUP = Duration.ofSeconds(90);
  private static final String ADMIN = "root";
  private static final String ADMIN_PASSWORD = "root-password";
  private static final int ENGINEERS = 30;
  private static final int WORKSTATIONS = 20;

  private static ProcessCluster cluster;
  private static ApiClient one;
  private static ApiClient two;

  @BeforeAll
  static void startCluster() throws Exception {
    List<User.New> users = new ArrayList<>();
    users.add(new User.New(ADMIN, ADMIN, ADMIN_PASSWORD, true, List.of(Group.ADMINS)));
    for (int i = 0; i < ENGINEERS; i++) {
      users.add(new User.New("eng" + i, "eng" + i, "password-" + i, true, List.of("engineers")));
    }
    Seed seed = new Seed(
        List.of(new Pool("desktop", "desktop", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
            new Pool("engineering", "engineering", Pool.Kind.DEDICATED, Pool.SessionMode.SINGLE, "rdp", true)),
        List.of(new Group(Group.ADMINS, "", List.of()), new Group("engineers", "", List.of())), users,
        List.of(new Seed.SeedEntitlement("engineering", null, "engineers")));
    ClusterSpec spec = ClusterSpec.builder()
        .sets(1)
        .concentratorsPerSet(2)
        .fleet(new SimulatedFleet.Spec(List.of(new SimulatedFleet.PoolSpec("desktop", 10, 1),
            new SimulatedFleet.PoolSpec("engineering", WORKSTATIONS, 1)), SimulatedSessionHost.Settings.DEFAULTS, 42))
        .brokers(2)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed).withSharedStore(TestPostgres.newDatabase(), "postgres"))
        .build();
    cluster = ProcessCluster.start(spec,
        ProcessCluster.Options.defaults(Path.of("target", "it", "multi-broker"), LocalProcesses.productJar()));
    cluster.awaitReady(STARTUP);
    one = new ApiClient(cluster.brokers().get(0).toString(), Duration.ofSeconds(30));
    two = new ApiClient(cluster.brokers().get(1).toString(), Duration.ofSeconds(30));
    // The fleet is attached when every VM is listed.
    await().atMost(STARTUP).until(() -> one.get(ADMIN, ADMIN_PASSWORD, "/api/v1/vms").body()
        .get("count").asInt() == 10 + WORKSTATIONS);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void whatOneBrokerStoresTheOtherSees() {
    ApiClient.Answer created = one.call("POST", ADMIN, ADMIN_PASSWORD, "/api/v1/admin/users",
        "{\"name\": \"dana\", \"password\": \"dana-password\", \"displayName\": \"Dana Zoë\"}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(one.call("POST", ADMIN, ADMIN_PASSWORD, "/api/v1/admin/entitlements",
        "{\"pool\": \"desktop\", \"user\": \"dana\"}").status()).isEqualTo(201);

    // Dana signs in through the other broker and sees her pool there.
    ApiClient.Answer pools = two.get("dana", "dana-password", "/api/v1/pools");
    assertThat(pools.status()).isEqualTo(200);
    assertThat(pools.body().get("pools")).extracting(p -> p.get("name").asText()).containsExactly("desktop");

    // A session started through broker 1 is listed and ended through broker 2.
    ApiClient.Answer started = one.openSession("dana", "dana-password", "desktop").join();
    assertThat(started.status()).isEqualTo(201);
    String sessionId = started.body().get("sessionId").asText();
    ApiClient.Answer listed = two.get("dana", "dana-password", "/api/v1/sessions");
    assertThat(listed.body().get("sessions")).extracting(s -> s.get("sessionId").asText()).containsExactly(sessionId);
    assertThat(two.endSession("dana", "dana-password", sessionId).join().status()).isEqualTo(204);
    assertThat(one.get("dana", "dana-password", "/api/v1/sessions").body().get("sessions")).isEmpty();

    // Both brokers wrote their part of the history into the one store; either shows all of it.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode events = two.get(ADMIN, ADMIN_PASSWORD, "/api/v1/admin/sessions?user=dana").body().get("events");
      assertThat(events).extracting(e -> e.get("event").asText() + "@" + e.get("broker").asText())
          .containsExactly("end@broker-2", "start@broker-1");
    });
    JsonNode audit = two.get(ADMIN, ADMIN_PASSWORD, "/api/v1/admin/audit?target=dana").body().get("entries");
    assertThat(audit).extracting(e -> e.get("broker").asText()).contains("broker-1");
  }

  @Test
  void aUserDoubleClickingThroughBothBrokersGetsOneDesktop() {
    assertThat(one.call("POST", ADMIN, ADMIN_PASSWORD, "/api/v1/admin/users",
        "{\"name\": \"erin\", \"password\": \"erin-password\"}").status()).isEqualTo(201);
    assertThat(one.call("POST", ADMIN, ADMIN_PASSWORD, "/api/v1/admin/entitlements",
        "{\"pool\": \"desktop\", \"user\": \"erin\"}").status()).isEqualTo(201);
    List<CompletableFuture<ApiClient.Answer>> clicks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      clicks.add((i % 2 == 0 ? one : two).openSession("erin", "erin-password", "desktop"));
    }
    List<ApiClient.Answer> answers = clicks.stream().map(CompletableFuture::join).toList();
    assertThat(answers).extracting(ApiClient.Answer::status).containsOnly(200, 201);
    assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(1);
    assertThat(answers).extracting(a -> a.body().get("sessionId").asText()).containsOnly(
        answers.get(0).body().get("sessionId").asText());
    String sessionId = answers.get(0).body().get("sessionId").asText();
    assertThat(one.endSession("erin", "erin-password", sessionId).join().status()).isEqualTo(204);
  }

  @Test
  void dedicatedDesktopsClaimedThroughBothBrokersAtOnceGoToOneUserEach() {
    // 30 engineers, 20 workstations, half the requests through each broker, all at once.
    List<CompletableFuture<ApiClient.Answer>> calls = new ArrayList<>();
    for (int i = 0; i < ENGINEERS; i++) {
      ApiClient broker = i % 2 == 0 ? one : two;
      calls.add(broker.openSession("eng" + i, "password-" + i, "engineering"));
    }
    List<ApiClient.Answer> answers = calls.stream().map(CompletableFuture::join).toList();
    List<ApiClient.Answer> granted = answers.stream().filter(a -> a.status() == 201).toList();
    assertThat(answers).allSatisfy(a -> assertThat(a.status()).isIn(201, 503));
    assertThat(granted).hasSize(WORKSTATIONS);
    assertThat(granted).extracting(a -> a.body().get("vmId").asText()).doesNotHaveDuplicates();

    JsonNode assignments = one.get(ADMIN, ADMIN_PASSWORD, "/api/v1/admin/assignments?pool=engineering")
        .body().get("assignments");
    assertThat(assignments).hasSize(WORKSTATIONS);
    for (ApiClient.Answer a : granted) {
      String user = a.body().get("user").asText();
      String vm = a.body().get("vmId").asText();
      assertThat(assignments).anySatisfy(x -> {
        assertThat(x.get("user").asText()).isEqualTo(user);
        assertThat(x.get("vmId").asText()).isEqualTo(vm);
      });
    }

    // Logged off and back through the other broker: the same workstation.
    ApiClient.Answer first = granted.get(0);
    String user = first.body().get("user").asText();
    String password = "password-" + user.substring("eng".length());
    assertThat(one.endSession(user, password, first.body().get("sessionId").asText()).join().status())
        .isEqualTo(204);
    ApiClient.Answer again = two.openSession(user, password, "engineering").join();
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.body().get("vmId").asText()).isEqualTo(first.body().get("vmId").asText());
  }
}
