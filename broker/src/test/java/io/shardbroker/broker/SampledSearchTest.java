package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Store;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A broker over one set of four fake concentrators, c1..c4, searching for candidates by
 * broadcast or by sampling: how many of them a session request asks, and which.
 */
@Timeout(30)
class SampledSearchTest {

  private final FakeClock clock = new FakeClock();
  private List<FakeConcentrator> set;
  private Store store;
  private BrokerServer broker;
  private TestBroker.Api api;

  @BeforeEach
  void startConcentrators() throws IOException {
    String prefix = "s" + UUID.randomUUID().toString().substring(0, 8) + "-";
    set = List.of(new FakeConcentrator(prefix + "c1", "a"), new FakeConcentrator(prefix + "c2", "a"),
        new FakeConcentrator(prefix + "c3", "a"), new FakeConcentrator(prefix + "c4", "a"));
    // Free slots in pool desktop: c1 1, c2 5, c3 3, c4 none.
    addIdleVms(c(1), 1);
    addIdleVms(c(2), 5);
    addIdleVms(c(3), 3);
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
      store.close();
    }
    set.forEach(FakeConcentrator::close);
  }

  private FakeConcentrator c(int n) {
    return set.get(n - 1);
  }

  private static void addIdleVms(FakeConcentrator c, int count) {
    for (int i = 1; i <= count; i++) {
      c.addVm(c.id + "-vm-" + i, "desktop", 1);
    }
  }

  /** A broker with this candidate search, once it has every member's health (and free slots). */
  private void startBroker(CandidateSearch search) {
    Topology topology = Topology.newBuilder().setVersion(1)
        .addSets(TestBroker.set("a", set.toArray(FakeConcentrator[]::new)))
        .build();
    store = TestBroker.memoryStore(clock);
    store.apply(TestBroker.seed(), TestBroker.SETUP);
    BrokerSettings settings = BrokerSettings.of(TestBroker.BROKER_ID, "127.0.0.1", 0, topology)
        .withTimeouts(TestBroker.timeouts(Duration.ofSeconds(6)))
        .withCandidateSearch(search);
    broker = new BrokerServer(settings, store, address -> InProcessChannelBuilder.forName(address).build(),
        clock, clock, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
    api = new TestBroker.Api("http://127.0.0.1:" + broker.port(), HttpClient.newHttpClient());
    clock.runDueTasks();  // the first health poll
    await().atMost(Duration.ofSeconds(5)).until(() -> broker.directory().set("a").members().stream()
        .allMatch(m -> m.lastHealth != null));
  }

  private List<Integer> findCalls() {
    return set.stream().map(c -> c.findCalls.get()).toList();
  }

  @Test
  void sampledAsksOnlyTheTwoConcentratorsAdvertisingTheMostRoom() {
    startBroker(CandidateSearch.sampled(2));

    Answer answer = api.openSession("alice", "desktop");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(findCalls()).as("FindCandidates to c1..c4").containsExactly(0, 1, 1, 0);
    assertThat(answer.text("/concentrator")).isIn(c(2).id, c(3).id);
  }

  @Test
  void broadcastStaysTheDefaultAndAsksEveryConcentrator() {
    startBroker(CandidateSearch.DEFAULT);

    Answer answer = api.openSession("alice", "desktop");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(findCalls()).containsExactly(1, 1, 1, 1);
  }

  /**
   * The price of sampling, kept here so that it is not forgotten: the user's desktop on c4 (full,
   * so it advertises no room and is not asked) goes unseen, and the user gets a second one. A
   * broadcast reconnects them to it.
   */
  @Test
  void aSessionOnAConcentratorNotAskedGoesUnseenWhichIsTheKnownPriceOfSampling() {
    c(4).addVm("own-vm", "desktop", 1);
    c(4).addSession("own-vm", "s-own", "alice");
    startBroker(CandidateSearch.sampled(2));

    Answer sampled = api.openSession("alice", "desktop");

    assertThat(sampled.status()).as("a second desktop: %s", sampled).isEqualTo(201);
    assertThat(sampled.text("/sessionId")).isNotEqualTo("s-own");
    assertThat(c(4).findCalls.get()).isZero();

    broker.close();
    store.close();
    startBroker(CandidateSearch.DEFAULT);
    Answer broadcast = api.openSession("alice", "desktop");
    assertThat(broadcast.status()).as("a reconnect: %s", broadcast).isEqualTo(200);
    assertThat(broadcast.json().get("reconnected").asBoolean()).isTrue();
  }
}
