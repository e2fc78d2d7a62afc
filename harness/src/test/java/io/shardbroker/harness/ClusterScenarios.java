package io.shardbroker.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.agent.sim.SimulatedFleet.PoolSpec;
import io.shardbroker.agent.sim.SimulatedFleet.VmTruth;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole flow on a cluster of every role: 2 sets of 2 concentrators, a broker and 70
 * simulated VMs. Written once against {@link Cluster} and run on each implementation by a
 * subclass that says how to start one and how time passes: on a manual clock in this JVM, or in
 * real time for separate processes (as Ratis binds one suite to several transports). The judge is
 * the fleet's own record, never what brokers or concentrators believe.
 */
public abstract class ClusterScenarios {

  protected static final int DESKTOPS = 60;
  protected static final int HOSTS = 10;
  protected static final int HOST_CAPACITY = 4;
  protected static final int USERS = 200;
  private static final String PASSWORD = "password";

  protected Cluster cluster;
  protected ApiClient api;

  /** Starts a cluster of {@code spec}; the suite waits until it is ready. */
  protected abstract Cluster start(ClusterSpec spec) throws Exception;

  /**
   * Lets some time pass for the cluster between two looks at a condition: heartbeats, backoffs and
   * sweeps that fall due meanwhile run. On a manual clock this moves it; in real time it does
   * nothing, as {@link #pollInterval} passes anyway.
   */
  protected abstract void passTime() throws Exception;

  /** The real time between two looks at a condition, for the cluster's own threads to work. */
  protected abstract Duration pollInterval();

  /** How long a condition may take to hold, in {@link #passTime} steps included. */
  protected Duration patience() {
    return Duration.ofSeconds(60);
  }

  @BeforeEach
  void startCluster() throws Exception {
    List<User.New> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {  // user(0) is an admin too: the fleet's views are for admins
      users.add(new User.New(user(i), user(i), PASSWORD, true,
          i == 0 ? List.of("everyone", Group.ADMINS) : List.of("everyone")));
    }
    List<Pool> pools = List.of(
        new Pool("desktop", "desktop", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
        new Pool("shared", "shared", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true));
    Seed seed = new Seed(pools, List.of(new Group("everyone", "", List.of()), new Group(Group.ADMINS, "", List.of())),
        users,
        pools.stream().map(p -> new Seed.SeedEntitlement(p.name(), null, "everyone")).toList());
    cluster = start(ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(2)
        .fleet(new SimulatedFleet.Spec(List.of(new PoolSpec("desktop", DESKTOPS, 1),
            new PoolSpec("shared", HOSTS, HOST_CAPACITY)), SimulatedSessionHost.Settings.DEFAULTS, 7))
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed))
        .build());
    eventually("the cluster ready", cluster::ready);
    api = new ApiClient(cluster.brokers().get(0).toString(), Duration.ofSeconds(30));
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  protected static String user(int i) {
    return String.format("user%03d", i);
  }

  /** Passes time until {@code condition} holds; fails after {@link #patience()}. */
  protected void eventually(String what, Callable<Boolean> condition) {
    await(what).atMost(patience()).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(pollInterval())
        .until(() -> {
          if (condition.call()) {
            return true;
          }
          passTime();
          return false;
        });
  }

  /** VM id -> set -> the concentrator its agent is attached to, as the agents themselves say. */
  private Map<String, Map<String, String>> attachments() {
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    for (VmTruth vm : cluster.fleet().vms()) {
      all.put(vm.vmId(), vm.attachments());
    }
    return all;
  }

  private boolean fullyAttached() {
    FleetRecord fleet = cluster.fleet();
    return fleet.attachedLinks() == fleet.expectedLinks();
  }

  @Test
  void concurrentRequestsNeverDoubleBookAndEveryEndFreesTheVm() throws Exception {
    // 90 users want 60 desktops, 60 users want 40 shared slots: some must be told "no".
    List<CompletableFuture<ApiClient.Answer>> calls = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      calls.add(api.openSession(user(i), PASSWORD, i < 90 ? "desktop" : "shared"));
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
    List<VmTruth> truth = cluster.fleet().vms();
    FleetInvariants.assertNoDoubleAssignment(truth);
    FleetInvariants.assertExactlyTheseSessions(truth, created);
    // Contention may cost a few requests, but the pools must be nearly full.
    assertThat(byPool.get("desktop")).isBetween(DESKTOPS * 9 / 10, DESKTOPS);
    assertThat(byPool.get("shared")).isBetween(HOSTS * HOST_CAPACITY * 9 / 10, HOSTS * HOST_CAPACITY);

    // Asking again gives the same session back.
    JsonNode first = created.get(0);
    ApiClient.Answer again = api.openSession(first.get("user").asText(), PASSWORD, first.get("pool").asText()).join();
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.body().get("sessionId").asText()).isEqualTo(first.get("sessionId").asText());
    assertThat(again.body().get("reconnected").asBoolean()).isTrue();

    List<CompletableFuture<ApiClient.Answer>> ends = new ArrayList<>();
    for (JsonNode s : created) {
      ends.add(api.endSession(s.get("user").asText(), PASSWORD, s.get("sessionId").asText()));
    }
    for (CompletableFuture<ApiClient.Answer> end : ends) {
      assertThat(end.join().status()).isEqualTo(204);
    }
    assertThat(cluster.fleet().sessions()).isZero();
    for (String set : List.of("a", "b")) {
      eventually("every VM available again in set " + set, () ->
          api.get(user(0), PASSWORD, "/api/v1/vms?set=" + set + "&state=available").body().get("count").asInt()
              == DESKTOPS + HOSTS);
    }
  }

  @Test
  void theConnectionTicketOfAnAnswerAdmitsItsUserOnceAtTheVm() {
    ApiClient.Answer started = api.openSession(user(1), PASSWORD, "desktop").join();
    assertThat(started.status()).isEqualTo(201);
    String vmId = started.body().get("vmId").asText();
    String ticket = started.body().at("/connection/ticket").asText();
    assertThat(ticket).startsWith("sct-");
    assertThat(started.body().at("/connection/ticketExpiresAt").asText()).isNotEmpty();

    assertThat(cluster.connect(vmId, ticket, user(2))).as("another user").isEmpty();
    ApiClient.Answer again = api.openSession(user(1), PASSWORD, "desktop").join();  // a reconnect: a new ticket
    String fresh = again.body().at("/connection/ticket").asText();
    assertThat(fresh).isNotEqualTo(ticket);
    assertThat(cluster.connect(vmId, fresh, user(1))).contains(started.body().get("sessionId").asText());
    assertThat(cluster.connect(vmId, fresh, user(1))).as("replayed").isEmpty();
    assertThat(cluster.connect(vmId, ticket, user(1))).as("spent by the other user's try").isEmpty();

    // listing sessions never shows a ticket
    assertThat(api.get(user(1), PASSWORD, "/api/v1/sessions").body().get("sessions").get(0)
        .at("/connection/ticket").isMissingNode()).isTrue();
  }

  @Test
  void brokeringGoesOnWhenAConcentratorDies() throws Exception {
    cluster.kill("a1");
    // Its agents re-home to a2 after a reconnect backoff.
    eventually("every agent attached in every set without a1", () -> fullyAttached()
        && attachments().values().stream().noneMatch(a -> "a1".equals(a.get("a"))));
    for (int i = 0; i < 20; i++) {
      ApiClient.Answer answer = api.openSession(user(i), PASSWORD, "desktop").join();
      assertThat(answer.status()).as("%s", answer.body()).isEqualTo(201);
    }
    JsonNode setA = api.get(user(0), PASSWORD, "/api/v1/vms?set=a").body();
    assertThat(setA.get("count").asInt()).isEqualTo(DESKTOPS + HOSTS);
    FleetInvariants.assertNoDoubleAssignment(cluster.fleet().vms());
  }

  @Test
  void aRestartedConcentratorGetsBackExactlyTheVmsThatPreferIt() throws Exception {
    Map<String, Map<String, String>> preferred = attachments();
    long onA1 = preferred.values().stream().filter(a -> "a1".equals(a.get("a"))).count();
    assertThat(onA1).as("rendezvous gives a1 some VMs, not all").isBetween(1L, (long) preferred.size() - 1);

    cluster.kill("a1");
    eventually("a1's VMs on a2", () -> fullyAttached()
        && attachments().values().stream().noneMatch(a -> "a1".equals(a.get("a"))));

    cluster.restart("a1");
    eventually("every VM back where rendezvous hashing puts it", () -> attachments().equals(preferred));
    eventually("set a lists every VM where it is attached", () -> {
      JsonNode setA = api.get(user(0), PASSWORD, "/api/v1/vms?set=a").body();
      boolean complete = setA.get("count").asInt() == DESKTOPS + HOSTS;
      for (JsonNode vm : setA.get("vms")) {
        complete &= vm.get("concentrator").asText().equals(preferred.get(vm.get("id").asText()).get("a"));
      }
      return complete;
    });
  }

  @Test
  void aConcentratorAddedAtRuntimeTakesOverItsShareWithoutRestartingAnything() throws Exception {
    cluster.addConcentrator("a", "a3");

    // Agents learn the new version from their concentrators and move by rendezvous hashing.
    eventually("some VMs on a3", () -> fullyAttached()
        && attachments().values().stream().anyMatch(a -> "a3".equals(a.get("a"))));
    long onA3 = attachments().values().stream().filter(a -> "a3".equals(a.get("a"))).count();
    assertThat(onA3).as("a3 takes about a third of set a, not everything").isBetween(1L, (long) (DESKTOPS + HOSTS) / 2);

    eventually("the broker knows topology version 2", () ->
        api.get(user(0), PASSWORD, "/api/v1/topology").body().get("version").asInt() == 2);
    for (int i = 0; i < 30; i++) {
      assertThat(api.openSession(user(i), PASSWORD, "desktop").join().status()).isEqualTo(201);
    }
    FleetInvariants.assertNoDoubleAssignment(cluster.fleet().vms());
  }

  @Test
  void aPausedConcentratorIsLeftByItsAgentsAndTakesThemBackWhenItGoesOn() throws Exception {
    Map<String, Map<String, String>> preferred = attachments();
    cluster.pause("b1");
    // Its agents hear nothing for four heartbeat intervals, then move to b2.
    eventually("b1's VMs on b2", () -> fullyAttached()
        && attachments().values().stream().noneMatch(a -> "b1".equals(a.get("b"))));
    for (int i = 0; i < 10; i++) {
      ApiClient.Answer answer = api.openSession(user(i), PASSWORD, "desktop").join();
      assertThat(answer.status()).as("%s", answer.body()).isIn(201, 503);
    }

    cluster.resume("b1");
    eventually("every VM back where rendezvous hashing puts it", () -> attachments().equals(preferred));
    FleetInvariants.assertNoDoubleAssignment(cluster.fleet().vms());
  }
}
