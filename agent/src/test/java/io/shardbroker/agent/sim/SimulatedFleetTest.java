package io.shardbroker.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.FakeConcentrator;
import io.shardbroker.agent.Rendezvous;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SimulatedFleetTest {

  private final FakeClock clock = new FakeClock();
  private final ChannelSource channels =
      new ChannelSource(name -> InProcessChannelBuilder.forName(name).directExecutor().build());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    channels.close();
  }

  private FakeConcentrator concentrator(String id, String setId) {
    FakeConcentrator c = FakeConcentrator.welcoming(id, setId);
    toClose.add(c);
    return c;
  }

  private static ConcentratorSet set(String id, FakeConcentrator... members) {
    ConcentratorSet.Builder b = ConcentratorSet.newBuilder().setId(id);
    for (FakeConcentrator c : members) {
      b.addConcentrators(c.endpoint());
    }
    return b.build();
  }

  /** A topology of unreachable addresses, for tests that never start the agents. */
  private static final Topology OFFLINE = Topology.newBuilder().setVersion(1)
      .addSets(ConcentratorSet.newBuilder().setId("A").addConcentrators(
          io.shardbroker.protocol.v1.ConcentratorEndpoint.newBuilder()
              .setId("a1").setAddress("nowhere")))
      .build();

  private SimulatedFleet fleet(SimulatedFleet.Spec spec, Topology topology) {
    SimulatedFleet fleet = new SimulatedFleet(spec, topology, channels, clock, clock);
    toClose.add(fleet);
    return fleet;
  }

  private static SimulatedFleet.Spec spec(SimulatedFleet.PoolSpec... pools) {
    return new SimulatedFleet.Spec(List.of(pools), SimulatedSessionHost.Settings.DEFAULTS, 17);
  }

  @Test
  void vmIdsArePoolAndFiveDigitNumber() {
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 3, 1),
        new SimulatedFleet.PoolSpec("gpu", 2, 4)), OFFLINE);

    assertThat(fleet.size()).isEqualTo(5);
    assertThat(fleet.agents()).extracting(a -> a.vmId()).containsExactly(
        "desktop-00001", "desktop-00002", "desktop-00003", "gpu-00001", "gpu-00002");
    assertThat(fleet.agents()).extracting(a -> a.pool())
        .containsExactly("desktop", "desktop", "desktop", "gpu", "gpu");
    assertThat(fleet.agents()).extracting(a -> a.capacity()).containsExactly(1, 1, 1, 4, 4);
  }

  @Test
  void vmIdsUseAsciiDigitsWhateverTheDefaultLocale() {
    // Under an Arabic or Persian default locale, %d formats native digits, which no VM id may hold.
    Locale saved = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("ar-EG"));
      SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 1, 1)), OFFLINE);

      assertThat(fleet.agents().get(0).vmId()).isEqualTo("desktop-00001");
    } finally {
      Locale.setDefault(saved);
    }
  }

  @Test
  void truthListsEveryVmBeforeAnythingHappens() {
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 2, 1),
        new SimulatedFleet.PoolSpec("gpu", 1, 4)), OFFLINE);

    assertThat(fleet.truth()).containsExactly(
        new SimulatedFleet.VmTruth("desktop-00001", "desktop", 1, List.of(), 0, 0, Map.of()),
        new SimulatedFleet.VmTruth("desktop-00002", "desktop", 1, List.of(), 0, 0, Map.of()),
        new SimulatedFleet.VmTruth("gpu-00001", "gpu", 4, List.of(), 0, 0, Map.of()));
  }

  @Test
  void specRejectsANegativeVmCount() {
    assertThatThrownBy(() -> new SimulatedFleet.PoolSpec("desktop", -1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("desktop").hasMessageContaining("-1");
  }

  @Test
  void everyAgentAttachesToOneConcentratorInEverySet() {
    FakeConcentrator a1 = concentrator("a1", "A");
    FakeConcentrator a2 = concentrator("a2", "A");
    FakeConcentrator b1 = concentrator("b1", "B");
    FakeConcentrator b2 = concentrator("b2", "B");
    Topology topology = Topology.newBuilder().setVersion(1)
        .addSets(set("A", a1, a2)).addSets(set("B", b1, b2)).build();
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 12, 1),
        new SimulatedFleet.PoolSpec("gpu", 4, 2)), topology);

    fleet.start();

    holdsNow(() -> fleet.attachedLinks() == fleet.size() * 2);
    for (SimulatedFleet.VmTruth vm : fleet.truth()) {
      assertThat(vm.attachments()).containsOnly(
          Map.entry("A", Rendezvous.choose(vm.vmId(), topology.getSets(0).getConcentratorsList()).getId()),
          Map.entry("B", Rendezvous.choose(vm.vmId(), topology.getSets(1).getConcentratorsList()).getId()));
    }
    int streams = a1.streams().size() + a2.streams().size() + b1.streams().size() + b2.streams().size();
    assertThat(streams).isEqualTo(fleet.size() * 2);
  }

  @Test
  void truthShowsASessionStartedThroughTheProtocol() {
    FakeConcentrator a1 = concentrator("a1", "A");
    Topology topology = Topology.newBuilder().setVersion(1).addSets(set("A", a1)).build();
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 3, 1)), topology);
    fleet.start();
    holdsNow(() -> fleet.attachedLinks() == 3);
    FakeConcentrator.Stream toSecondVm = a1.streams().stream()
        .filter(s -> s.received().get(0).getHello().getVmId().equals("desktop-00002"))
        .findFirst().orElseThrow();

    toSecondVm.send(ConcentratorMessage.newBuilder().setStart(StartRequest.newBuilder()
        .setRequestId("r-1").setUser("alice").setPool("desktop")).build());
    holdsNow(() -> !toSecondVm.received(AgentMessage.BodyCase.START_ANSWER).isEmpty());

    List<SimulatedFleet.VmTruth> truth = fleet.truth();
    assertThat(truth).extracting(SimulatedFleet.VmTruth::reportedSessions).containsExactly(0, 1, 0);
    assertThat(truth.get(1).sessions()).extracting(SimulatedFleet.SessionTruth::user)
        .containsExactly("alice");
    assertThat(truth.get(1).maxConcurrentSessions()).isEqualTo(1);
  }

  /**
   * What a step caused has happened by the time it returns: in-process gRPC on direct executors
   * delivers on the sending thread, and time moves only on the FakeClock.
   */
  private static void holdsNow(BooleanSupplier condition) {
    assertThat(condition.getAsBoolean()).as("the condition holds once the step has returned").isTrue();
  }

  /** Moves the clock 100 ms at a time, at most a minute, until {@code condition} holds. */
  private void advanceUntil(BooleanSupplier condition) {
    for (int step = 0; step < 600 && !condition.getAsBoolean(); step++) {
      clock.advance(Duration.ofMillis(100));
    }
    holdsNow(condition);
  }

  private static FakeConcentrator.Stream streamOf(FakeConcentrator c, String vmId) {
    return c.streams().stream()
        .filter(s -> s.received().get(0).getHello().getVmId().equals(vmId))
        .findFirst().orElseThrow();
  }

  private static void startFor(FakeConcentrator.Stream stream, String requestId, String user) {
    int before = stream.received(AgentMessage.BodyCase.START_ANSWER).size();
    stream.send(ConcentratorMessage.newBuilder().setStart(StartRequest.newBuilder()
        .setRequestId(requestId).setUser(user).setPool("desktop")).build());
    holdsNow(() -> stream.received(AgentMessage.BodyCase.START_ANSWER).size() > before);
  }

  @Test
  void ledgerCountsAUserStartedOnTwoVmsOfOnePool() {
    // Each agent arbitrates only its own VM: asked directly, two VMs both take alice. Brokers
    // must never do this; the ledger is how a run finds out that one did.
    FakeConcentrator a1 = concentrator("a1", "A");
    Topology topology = Topology.newBuilder().setVersion(1).addSets(set("A", a1)).build();
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 3, 1)), topology);
    fleet.start();
    holdsNow(() -> fleet.attachedLinks() == 3);

    startFor(streamOf(a1, "desktop-00001"), "r-1", "alice");
    startFor(streamOf(a1, "desktop-00003"), "r-2", "bob");
    startFor(streamOf(a1, "desktop-00002"), "r-3", "alice");

    FleetLedger.Report report = fleet.ledger().report();
    assertThat(report.sessionsStarted()).isEqualTo(3);
    assertThat(report.violations().userTwiceInPool()).isEqualTo(1);
    assertThat(report.violations().overCapacity()).isZero();
    assertThat(report.violations().examples()).singleElement().asString()
        .contains("user alice runs 2 sessions in pool desktop", "desktop-00001", "desktop-00002");
  }

  @Test
  void dropLinksCutsTheNetworkOfVmsDrawnFromTheSeed() {
    FakeConcentrator a1 = concentrator("a1", "A");
    Topology topology = Topology.newBuilder().setVersion(1).addSets(set("A", a1)).build();
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 8, 1),
        new SimulatedFleet.PoolSpec("gpu", 4, 2)), topology);
    fleet.start();
    holdsNow(() -> fleet.attachedLinks() == 12);

    // Shorter than a heartbeat interval, so that only the outage and the backoff move.
    List<String> dropped = fleet.dropLinks(5, Duration.ofMillis(500), 99);

    assertThat(dropped).hasSize(5).doesNotHaveDuplicates().isSorted();
    holdsNow(() -> fleet.attachedLinks() == 7);
    for (SimulatedFleet.VmTruth vm : fleet.truth()) {
      assertThat(vm.attachments().isEmpty()).as(vm.vmId()).isEqualTo(dropped.contains(vm.vmId()));
    }
    // After the outage, each reconnects at its next backoff.
    advanceUntil(() -> fleet.attachedLinks() == 12);
  }

  @Test
  void dropLinksDrawsTheSameVmsFromTheSameSeedAndRefusesMoreThanTheFleet() {
    SimulatedFleet fleet = fleet(spec(new SimulatedFleet.PoolSpec("desktop", 50, 1)), OFFLINE);

    List<String> first = fleet.dropLinks(10, Duration.ofSeconds(1), 7);
    assertThat(fleet.dropLinks(10, Duration.ofSeconds(1), 7)).isEqualTo(first);
    assertThat(fleet.dropLinks(10, Duration.ofSeconds(1), 8)).isNotEqualTo(first);
    assertThat(fleet.dropLinks(50, Duration.ofSeconds(1), 7)).hasSize(50).doesNotHaveDuplicates();
    assertThat(fleet.dropLinks(0, Duration.ofSeconds(1), 7)).isEmpty();
    assertThatThrownBy(() -> fleet.dropLinks(51, Duration.ofSeconds(1), 7))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("51")
        .hasMessageContaining("50");
    assertThatThrownBy(() -> fleet.dropLinks(-1, Duration.ofSeconds(1), 7))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }
}
