package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.agent.sim.SimulatedFleet.PoolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole flow with every role in one JVM: real broker, concentrators and agents. */
@Timeout(60)
class InProcessClusterTest {

  private static final int DESKTOPS = 60;
  private static final int HOSTS = 10;
  private static final int HOST_CAPACITY = 4;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private InProcessCluster cluster;
  private ApiClient api;

  @BeforeEach
  void start() throws Exception {
    Map<String, String> users = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      users.put(user(i), "password");
    }
    SimulatedFleet.Spec fleet = new SimulatedFleet.Spec(
        List.of(new PoolSpec("desktop", DESKTOPS, 1), new PoolSpec("shared", HOSTS, HOST_CAPACITY)),
        SimulatedSessionHost.Settings.DEFAULTS, 7);
    cluster = new InProcessCluster(2, 2, fleet, users);
    api = new ApiClient(cluster.baseUrl(), Duration.ofSeconds(30));
    await().atMost(WAIT).until(cluster::fullyAttached);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static String user(int i) {
    return String.format("user%03d", i);
  }

  @Test
  void concurrentRequestsNeverDoubleBookAndEveryEndFreesTheVm() throws Exception {
    // 90 users want 60 desktops, 60 users want 40 shared slots: some must be told "no".
    List<CompletableFuture<ApiClient.Answer>> calls = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      calls.add(api.openSession(user(i), "password", i < 90 ? "desktop" : "shared"));
    }
    List<JsonNode> created = new ArrayList<>();
    Map<String, Integer> byPool = new HashMap<>();
    for (CompletableFuture<ApiClient.Answer> call : calls) {
      ApiClient.Answer answer = call.join();
      assertThat(answer.status()).as("%s", answer.body()).isIn(201, 503);
      if (answer.status() == 201) {
        created.add(answer.body());
        byPool.merge(answer.body().get("pool").asText(), 1, Integer::sum);
      } else {
        assertThat(answer.body().get("error").asText()).isEqualTo("pool_exhausted");
        assertThat(answer.raw().headers().firstValue("Retry-After")).isPresent();
      }
    }
    List<SimulatedFleet.VmTruth> truth = cluster.fleet.truth();
    FleetInvariants.assertNoDoubleAssignment(truth);
    FleetInvariants.assertExactlyTheseSessions(truth, created);
    // Contention may cost a few requests, but the pools must be nearly full.
    assertThat(byPool.get("desktop")).isBetween(DESKTOPS * 9 / 10, DESKTOPS);
    assertThat(byPool.get("shared")).isBetween(HOSTS * HOST_CAPACITY * 9 / 10, HOSTS * HOST_CAPACITY);

    // Asking again gives the same session back.
    JsonNode first = created.get(0);
    ApiClient.Answer again = api.openSession(first.get("user").asText(), "password", first.get("pool").asText()).join();
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().get("sessionId").asText()).isEqualTo(first.get("sessionId").asText());
    assertThat(again.body().get("reconnected").asBoolean()).isTrue();

    List<CompletableFuture<ApiClient.Answer>> ends = new ArrayList<>();
    for (JsonNode s : created) {
      ends.add(api.endSession(s.get("user").asText(), "password", s.get("sessionId").asText()));
    }
    for (CompletableFuture<ApiClient.Answer> end : ends) {
      assertThat(end.join().status()).isEqualTo(204);
    }
    assertThat(FleetInvariants.sessionCount(cluster.fleet.truth())).isZero();
    for (String set : List.of("a", "b")) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(
          api.get(user(0), "password", "/api/v1/vms?set=" + set + "&state=available").body().get("count").asInt())
          .as("available VMs in set %s", set)
          .isEqualTo(DESKTOPS + HOSTS));
    }
  }

  @Test
  void theConnectionTicketOfAnAnswerAdmitsItsUserOnceAtTheVm() throws Exception {
    ApiClient.Answer started = api.openSession(user(1), "password", "desktop").join();
    assertThat(started.status()).isEqualTo(201);
    String vmId = started.body().get("vmId").asText();
    String ticket = started.body().at("/connection/ticket").asText();
    assertThat(ticket).startsWith("sct-");
    assertThat(started.body().at("/connection/ticketExpiresAt").asText()).isNotEmpty();

    assertThat(cluster.fleet.admit(vmId, ticket, user(2))).as("another user").isEmpty();
    ApiClient.Answer again = api.openSession(user(1), "password", "desktop").join();  // a reconnect: a new ticket
    String fresh = again.body().at("/connection/ticket").asText();
    assertThat(fresh).isNotEqualTo(ticket);
    assertThat(cluster.fleet.admit(vmId, fresh, user(1))).contains(started.body().get("sessionId").asText());
    assertThat(cluster.fleet.admit(vmId, fresh, user(1))).as("replayed").isEmpty();
    assertThat(cluster.fleet.admit(vmId, ticket, user(1))).as("spent by the other user's try").isEmpty();

    // listing sessions never shows a ticket
    assertThat(api.get(user(1), "password", "/api/v1/sessions").body().get("sessions").get(0)
        .at("/connection/ticket").isMissingNode()).isTrue();
  }

  @Test
  void brokeringGoesOnWhenAConcentratorStops() throws Exception {
    cluster.stopConcentrator("a1");
    // Its agents re-home to a2 after a reconnect backoff, which runs on the fake clock.
    await().atMost(WAIT).until(() -> {
      cluster.clock.advance(Duration.ofMillis(500));
      return cluster.fullyAttached();
    });
    for (int i = 0; i < 20; i++) {
      ApiClient.Answer answer = api.openSession(user(i), "password", "desktop").join();
      assertThat(answer.status()).as("%s", answer.body()).isEqualTo(201);
    }
    JsonNode setA = api.get(user(0), "password", "/api/v1/vms?set=a").body();
    assertThat(setA.get("count").asInt()).isEqualTo(DESKTOPS + HOSTS);
    FleetInvariants.assertNoDoubleAssignment(cluster.fleet.truth());
  }

  @Test
  void aRestartedConcentratorGetsBackExactlyTheVmsThatPreferIt() throws Exception {
    Map<String, Map<String, String>> preferred = cluster.attachments();
    long onA1 = preferred.values().stream().filter(a -> "a1".equals(a.get("a"))).count();
    assertThat(onA1).as("rendezvous gives a1 some VMs, not all").isBetween(1L, (long) preferred.size() - 1);

    cluster.stopConcentrator("a1");
    await().atMost(WAIT).until(() -> {
      cluster.clock.advance(Duration.ofMillis(500));
      return cluster.fullyAttached()
          && cluster.attachments().values().stream().noneMatch(a -> "a1".equals(a.get("a")));
    });

    cluster.restartConcentrator("a1");
    await().atMost(WAIT).until(() -> {
      cluster.clock.advance(Duration.ofMillis(500));
      return cluster.attachments().equals(preferred);
    });
    JsonNode setA = api.get(user(0), "password", "/api/v1/vms?set=a").body();
    assertThat(setA.get("count").asInt()).isEqualTo(DESKTOPS + HOSTS);
    assertThat(setA.get("vms")).allSatisfy(vm ->
        assertThat(vm.get("concentrator").asText()).isEqualTo(preferred.get(vm.get("id").asText()).get("a")));
  }

  @Test
  void aConcentratorAddedAtRuntimeTakesOverItsShareWithoutRestartingAnything() throws Exception {
    cluster.addConcentrator("a", "a3");

    // Agents learn the new version from their concentrators and move by rendezvous hashing.
    await().atMost(WAIT).until(() -> {
      cluster.clock.advance(Duration.ofMillis(500));
      return cluster.fullyAttached()
          && cluster.attachments().values().stream().anyMatch(a -> "a3".equals(a.get("a")));
    });
    long onA3 = cluster.attachments().values().stream().filter(a -> "a3".equals(a.get("a"))).count();
    assertThat(onA3).as("a3 takes about a third of set a, not everything").isBetween(1L, (long) cluster.fleet.size() / 2);
    assertThat(cluster.fleet.agents()).allSatisfy(agent -> assertThat(agent.topologyVersion()).isEqualTo(2));

    JsonNode topology = api.get(user(0), "password", "/api/v1/topology").body();
    assertThat(topology.get("version").asInt()).isEqualTo(2);
    for (int i = 0; i < 30; i++) {
      assertThat(api.openSession(user(i), "password", "desktop").join().status()).isEqualTo(201);
    }
    FleetInvariants.assertNoDoubleAssignment(cluster.fleet.truth());
  }
}
