package io.shardbroker.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.FakeConcentrator;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.protocol.v1.AgentMessage.BodyCase;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A VM's network cut from outside its agent: the agent's streams fail as a broken network fails
 * them, nothing gets through until the outage is over, and then the agent is back, with the
 * sessions its desktop kept. Time moves only on the FakeClock.
 */
@Timeout(60)
class VmNetworkTest {

  private final FakeClock clock = new FakeClock();
  private final ChannelSource fleetChannels =
      new ChannelSource(name -> InProcessChannelBuilder.forName(name).directExecutor().build());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    fleetChannels.close();
  }

  /** What a step caused has happened by the time it returns: see SimulatedFleetTest. */
  private static void holdsNow(BooleanSupplier condition) {
    assertThat(condition.getAsBoolean()).as("the condition holds once the step has returned").isTrue();
  }

  /** Moves the clock by {@code step}, at most 600 times, until {@code condition} holds. */
  private void advanceUntil(Duration step, BooleanSupplier condition) {
    for (int i = 0; i < 600 && !condition.getAsBoolean(); i++) {
      clock.advance(step);
    }
    holdsNow(condition);
  }

  private FakeConcentrator welcoming(String id, String set) {
    FakeConcentrator c = FakeConcentrator.welcoming(id, set);
    toClose.add(c);
    return c;
  }

  private Agent agent(String vmId, Topology topology, VmNetwork network) {
    Agent agent = new Agent(new AgentSettings(vmId, "desktop", 1, topology), new SimulatedSessionHost(vmId,
        SimulatedSessionHost.Settings.DEFAULTS, clock, new Random(3)), network.channels(), clock, clock, new Random(11));
    toClose.add(agent);
    return agent;
  }

  private static Topology topology(FakeConcentrator a1, FakeConcentrator b1) {
    return Topology.newBuilder().setVersion(1)
        .addSets(ConcentratorSet.newBuilder().setId("A").addConcentrators(a1.endpoint()))
        .addSets(ConcentratorSet.newBuilder().setId("B").addConcentrators(b1.endpoint()))
        .build();
  }

  @Test
  void aCutFailsEveryStreamAndNothingGetsThroughUntilTheOutageEnds() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    VmNetwork network = new VmNetwork(fleetChannels, clock);
    Agent agent = agent("vm-7", topology(a1, b1), network);
    agent.start();
    holdsNow(() -> agent.attachedSets() == 2);
    FakeConcentrator.Stream viaA = a1.lastStream();
    FakeConcentrator.Stream viaB = b1.lastStream();
    viaA.send(ConcentratorMessage.newBuilder().setStart(StartRequest.newBuilder()
        .setRequestId("r-1").setUser("alice").setPool("desktop")).build());
    holdsNow(() -> !viaA.received(BodyCase.START_ANSWER).isEmpty());
    String sessionId = viaA.received(BodyCase.START_ANSWER).get(0).getStartAnswer().getSession().getSessionId();

    network.cut(Duration.ofSeconds(30));

    // As a network failure looks to a concentrator: the call fails, it is not completed.
    holdsNow(() -> viaA.errorFromAgent() != null && viaB.errorFromAgent() != null);
    assertThat(Status.fromThrowable(viaA.errorFromAgent()).getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(viaA.completedByAgent()).isFalse();
    assertThat(viaB.completedByAgent()).isFalse();
    holdsNow(() -> agent.attachedSets() == 0);

    // The agent keeps trying with its backoff; none of it reaches a concentrator meanwhile.
    for (int i = 0; i < 29; i++) {
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(a1.streams()).hasSize(1);
    assertThat(b1.streams()).hasSize(1);
    assertThat(agent.attachedSets()).isZero();

    // After the outage, the next attempt gets through, and the desktop kept its session.
    advanceUntil(Duration.ofSeconds(1), () -> agent.attachedSets() == 2);
    for (FakeConcentrator c : List.of(a1, b1)) {
      Hello hello = c.lastStream().received().get(0).getHello();
      assertThat(hello.getState().getSessionsList()).extracting(s -> s.getSessionId()).containsExactly(sessionId);
    }
  }

  @Test
  void aShorterSecondCutDoesNotShortenTheOutage() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    VmNetwork network = new VmNetwork(fleetChannels, clock);
    Agent agent = agent("vm-7", topology(a1, b1), network);
    agent.start();
    holdsNow(() -> agent.attachedSets() == 2);

    network.cut(Duration.ofSeconds(5));
    network.cut(Duration.ofSeconds(1));
    holdsNow(() -> agent.attachedSets() == 0);
    for (int i = 0; i < 49; i++) {
      clock.advance(Duration.ofMillis(100));
    }
    assertThat(a1.streams()).hasSize(1);
    advanceUntil(Duration.ofMillis(100), () -> agent.attachedSets() == 2);
  }

  @Test
  void aCutTakesOnlyItsOwnVmOffTheSharedChannels() {
    FakeConcentrator a1 = welcoming("a1", "A");
    FakeConcentrator b1 = welcoming("b1", "B");
    VmNetwork cut = new VmNetwork(fleetChannels, clock);
    VmNetwork kept = new VmNetwork(fleetChannels, clock);
    Agent offline = agent("vm-1", topology(a1, b1), cut);
    Agent online = agent("vm-2", topology(a1, b1), kept);
    offline.start();
    online.start();
    holdsNow(() -> offline.attachedSets() == 2 && online.attachedSets() == 2);

    cut.cut(Duration.ofMinutes(1));

    holdsNow(() -> offline.attachedSets() == 0);
    clock.advance(Duration.ofSeconds(3));  // the VM still online keeps heartbeating
    assertThat(online.attachedSets()).isEqualTo(2);
    assertThat(a1.streams()).hasSize(2);
    assertThat(a1.streams().stream().filter(s -> s.errorFromAgent() != null)).hasSize(1);
  }
}
