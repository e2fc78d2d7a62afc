package io.shardbroker.concentrator;

import static io.shardbroker.concentrator.FakeAgent.session;
import static io.shardbroker.concentrator.FakeAgent.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grpc.Status;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.Welcome;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The agent's side of a concentrator: what it accepts on the AgentLink stream, and what not. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentLinkServiceTest {

  private static final String POOL = "desktops";

  private final TestConcentrator concentrator = new TestConcentrator();

  @AfterEach
  void stop() {
    concentrator.close();
  }

  @Test
  void aStateUpdateBeforeTheHelloEndsTheStreamWithFailedPrecondition() {
    FakeAgent agent = FakeAgent.open(concentrator.channel, "vm-1");

    agent.state(state(1, true));

    Status status = agent.closedWith();
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("first message on a stream must be a Hello");
    assertThat(concentrator.vm("vm-1")).isNull();
  }

  @ParameterizedTest(name = "vm id ''{0}'', pool ''{1}'', capacity {2}")
  @CsvSource({
      "'',           desktops, 1,     Hello.vm_id",
      "'vm 1',       desktops, 1,     Hello.vm_id",
      "-vm-1,        desktops, 1,     Hello.vm_id",
      "vm-1,         '',       1,     Hello.pool",
      "vm-1,         desk/tops,1,     Hello.pool",
      "vm-1,         desktops, 0,     Hello.capacity",
      "vm-1,         desktops, 10001, Hello.capacity",
      "vm-1,         desktops, -1,    Hello.capacity",  // uint32 4294967295 on the wire
  })
  void aBadHelloEndsTheStreamWithInvalidArgumentNamingTheField(
      String vmId, String pool, int capacity, String field) {
    FakeAgent agent = FakeAgent.open(concentrator.channel, vmId);

    agent.hello(FakeAgent.hello(vmId, pool, capacity, state(1, true)));

    Status status = agent.closedWith();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith(field + " must be");
    assertThat(agent.count(ConcentratorMessage.BodyCase.WELCOME)).isZero();
    assertThat(concentrator.broker.listVms(ListVmsRequest.getDefaultInstance()).getVmsList()).isEmpty();
  }

  @Test
  void aSecondHelloOnTheSameStreamEndsItWithFailedPrecondition() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    agent.hello(FakeAgent.hello("vm-1", POOL, 1, state(2, true)));

    Status status = agent.closedWith();
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("one Hello");
    // The stream it spoke through is gone, so the VM must no longer be offered.
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));
    assertThat(candidates("alice")).isEmpty();
  }

  @Test
  void anEmptyMessageEndsTheStreamWithInvalidArgument() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    agent.send(AgentMessage.getDefaultInstance());

    assertThat(agent.closedWith().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  /**
   * Only one live stream may speak for a VM: a second one is refused, and the refusal does not
   * disturb the first, whose VM stays a candidate and whose reports still count.
   */
  @Test
  void aSecondStreamForAnAttachedVmIsRefusedAndTheFirstKeepsWorking() {
    FakeAgent first = concentrator.attach("vm-1", POOL, 2);
    FakeAgent impostor = FakeAgent.open(concentrator.channel, "vm-1");

    impostor.hello(FakeAgent.hello("vm-1", "other-pool", 5, state(99, false)));

    Status status = impostor.closedWith();
    assertThat(status.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(status.getDescription()).contains("vm-1").contains("conc-1");
    assertThat(first.isClosed()).isFalse();
    assertThat(candidates("alice")).extracting(Candidate::getVmId, Candidate::getCapacity)
        .containsExactly(tuple("vm-1", 2));

    first.state(state(2, true, session("s-1", "bob", POOL)));
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getSequence()).isEqualTo(2));
    assertThat(candidates("alice")).extracting(Candidate::getUsed).containsExactly(1);
  }

  @Test
  void heartbeatsThatWantAnAcknowledgementGetOneWithTheirSequenceAndOnlyThose() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    agent.heartbeat(1, true);
    agent.heartbeat(2, false);
    agent.heartbeat(3, true);

    FakeAgent.holdsNow(() -> agent.count(ConcentratorMessage.BodyCase.HEARTBEAT_ACK) == 2);
    // Heartbeat 3 was answered after 2 was handled, so 2's answer would have come before it.
    assertThat(agent.received()).filteredOn(ConcentratorMessage::hasHeartbeatAck)
        .extracting(m -> m.getHeartbeatAck().getSequence())
        .containsExactly(1L, 3L);
  }

  @Test
  void aNewerTopologyGoesToEveryAttachedAgentAndToLaterWelcomes() {
    FakeAgent first = concentrator.attach("vm-1", POOL, 1);
    FakeAgent second = concentrator.attach("vm-2", POOL, 1);
    Topology next = TestConcentrator.TOPOLOGY.toBuilder()
        .setVersion(TestConcentrator.TOPOLOGY.getVersion() + 1)
        .build();

    assertThat(concentrator.server.updateTopology(TestConcentrator.TOPOLOGY)).as("not newer").isFalse();
    assertThat(concentrator.server.updateTopology(next)).isTrue();

    for (FakeAgent agent : List.of(first, second)) {
      FakeAgent.holdsNow(() -> agent.count(ConcentratorMessage.BodyCase.TOPOLOGY) == 1);
    }
    assertThat(first.received()).filteredOn(ConcentratorMessage::hasTopology)
        .extracting(ConcentratorMessage::getTopology).containsExactly(next);
    FakeAgent later = FakeAgent.open(concentrator.channel, "vm-3");
    later.hello(FakeAgent.hello("vm-3", POOL, 1, state(1, true)));
    assertThat(later.welcomed().getTopology()).isEqualTo(next);
    assertThat(concentrator.broker.health(HealthRequest.getDefaultInstance()).getTopologyVersion())
        .isEqualTo(next.getVersion());
  }

  @Test
  void welcomeCarriesIdentityHeartbeatIntervalAndANewerTopology() {
    FakeAgent agent = FakeAgent.open(concentrator.channel, "vm-1");
    agent.hello(FakeAgent.hello("vm-1", POOL, 1, state(1, true)).toBuilder().setTopologyVersion(6).build());

    Welcome welcome = agent.welcomed();

    assertThat(welcome.getConcentratorId()).isEqualTo("conc-1");
    assertThat(welcome.getSetId()).isEqualTo("set-a");
    assertThat(welcome.getHeartbeatIntervalMs()).isEqualTo(5_000);
    assertThat(welcome.hasTopology()).isTrue();
    assertThat(welcome.getTopology()).isEqualTo(TestConcentrator.TOPOLOGY);
  }

  @Test
  void moreVmsThanTheHeartbeatRateAllowsAreAskedForALongerIntervalInWelcomesAndAcknowledgements() {
    // At most one heartbeat a second: a second VM makes 5 s too short for the first one too.
    try (TestConcentrator slow = new TestConcentrator(ConcentratorSettings
        .defaults("conc-1", "set-a", TestConcentrator.TOPOLOGY).withMaxHeartbeatRate(1))) {
      FakeAgent first = FakeAgent.open(slow.channel, "vm-1");
      first.hello(FakeAgent.hello("vm-1", POOL, 1, state(1, true)));
      assertThat(first.welcomed().getHeartbeatIntervalMs()).isEqualTo(5_000);
      for (int i = 2; i <= 6; i++) {
        slow.attach("vm-" + i, POOL, 1);
      }
      FakeAgent seventh = FakeAgent.open(slow.channel, "vm-7");
      seventh.hello(FakeAgent.hello("vm-7", POOL, 1, state(1, true)));
      assertThat(seventh.welcomed().getHeartbeatIntervalMs()).isEqualTo(7_000);

      first.heartbeat(1, true);

      FakeAgent.holdsNow(() -> first.count(ConcentratorMessage.BodyCase.HEARTBEAT_ACK) == 1);
      assertThat(first.received()).filteredOn(ConcentratorMessage::hasHeartbeatAck)
          .extracting(m -> m.getHeartbeatAck().getHeartbeatIntervalMs())
          .containsExactly(7_000);
    }
  }

  @ParameterizedTest(name = "agent knows version {0}")
  @CsvSource({"7", "8"})
  void welcomeLeavesTheTopologyOutWhenTheAgentKnowsItsVersion(long agentVersion) {
    FakeAgent agent = FakeAgent.open(concentrator.channel, "vm-1");
    Hello hello = FakeAgent.hello("vm-1", POOL, 1, state(1, true)).toBuilder()
        .setTopologyVersion(agentVersion).build();
    agent.hello(hello);

    Welcome welcome = agent.welcomed();

    assertThat(welcome.getConcentratorId()).isEqualTo("conc-1");
    assertThat(welcome.hasTopology()).isFalse();
  }

  @Test
  void attachingTakesTheHellosStateAndLaterUpdatesReplaceIt() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 3, state(4, true, session("s-1", "alice", POOL)));
    concentrator.assertVm("vm-1", vm -> {
      assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_IN_USE);
      assertThat(vm.getSequence()).isEqualTo(4);
      assertThat(vm.getLastHeardMs()).isEqualTo(concentrator.clock.millis());
    });

    agent.state(state(5, false, session("s-1", "alice", POOL), session("s-2", "bob", POOL)));
    concentrator.assertVm("vm-1", vm -> {
      assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_DRAINING);
      assertThat(vm.getSessionsCount()).isEqualTo(2);
    });
    agent.state(state(3, true));  // an older report that arrived late: ignored
    agent.state(state(6, false, session("s-1", "alice", POOL), session("s-2", "bob", POOL)));
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getSequence()).isEqualTo(6));
    assertThat(concentrator.vm("vm-1").getSessionsCount()).isEqualTo(2);
  }

  @Test
  void anAgentThatCompletesItsStreamIsForgottenAfterTheHandover() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));

    agent.detach();

    assertThat(agent.closedWith().getCode()).isEqualTo(Status.Code.OK);
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
    concentrator.clock.advance(concentrator.settings.silenceLimit().plus(concentrator.settings.heartbeatInterval()));
    assertThat(concentrator.vm("vm-1")).isNull();
    assertThat(concentrator.broker.listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .isEmpty();
  }

  @Test
  void anAgentWhoseStreamBreaksStaysListedUnreachableWithItsSessions() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 2, state(1, true, session("s-1", "alice", POOL)));

    agent.breakStream();

    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));
    assertThat(candidates("bob")).isEmpty();
    List<PlacedSession> sessions = concentrator.broker.listSessions(
        ListSessionsRequest.newBuilder().setUser("alice").build()).getSessionsList();
    assertThat(sessions).singleElement().satisfies(p -> {
      assertThat(p.getSession().getSessionId()).isEqualTo("s-1");
      assertThat(p.getReachable()).isFalse();
    });
    assertThat(concentrator.meters.get("shardbroker.concentrator.agents.lost").counter().count()).isEqualTo(1);
  }

  @Test
  void anAgentThatReconnectsAfterItsStreamBrokeTakesOver() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    agent.breakStream();
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));

    FakeAgent again = concentrator.attach("vm-1", POOL, 1, state(1, true));

    assertThat(again.isClosed()).isFalse();
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE));
    assertThat(candidates("alice")).extracting(Candidate::getVmId).containsExactly("vm-1");
  }

  private List<Candidate> candidates(String user) {
    return concentrator.broker.findCandidates(FindCandidatesRequest.newBuilder()
            .setRequestId("r-find").setUser(user).setPool(POOL).build())
        .getCandidatesList();
  }
}
