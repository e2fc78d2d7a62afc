package io.shardbroker.concentrator;

import static io.shardbroker.concentrator.BrokerServiceTest.result;
import static io.shardbroker.concentrator.FakeAgent.session;
import static io.shardbroker.concentrator.FakeAgent.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.protocol.v1.VmStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The concentrator as a whole: heartbeat sweeps on its clock, its meters, health and shutdown. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConcentratorServerTest {

  private static final String POOL = "desktops";

  private final TestConcentrator concentrator = new TestConcentrator();
  private final Duration interval = concentrator.settings.heartbeatInterval();

  @AfterEach
  void stop() {
    concentrator.close();
  }

  /**
   * Two agents, one of which heartbeats every interval. After three silent intervals the quiet
   * one is still given the benefit of the doubt; at the next sweep it is unreachable, no longer
   * offered, and its stream is closed with UNAVAILABLE. The chatty one is untouched throughout.
   */
  @Test
  void aVmSilentForThreeIntervalsBecomesUnreachableAndItsStreamIsClosed() {
    FakeAgent quiet = concentrator.attach("quiet", POOL, 1);
    FakeAgent chatty = concentrator.attach("chatty", POOL, 1);

    for (int i = 0; i < 3; i++) {
      tickWithHeartbeat(chatty);
    }
    assertThat(concentrator.vm("quiet").getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
    assertThat(candidates()).containsExactlyInAnyOrder("quiet", "chatty");

    tickWithHeartbeat(chatty);

    assertThat(concentrator.vm("quiet").getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
    assertThat(candidates()).containsExactly("chatty");
    Status closed = quiet.closedWith();
    assertThat(closed.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(closed.getDescription()).contains("no heartbeat");
    assertThat(concentrator.meters.get("shardbroker.concentrator.agents.silent").counter().count())
        .isEqualTo(1);

    for (int i = 0; i < 10; i++) {
      tickWithHeartbeat(chatty);
    }
    assertThat(chatty.isClosed()).isFalse();
    assertThat(concentrator.vm("chatty").getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
  }

  @Test
  void anyMessageFromTheAgentCountsAsAHeartbeat() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    for (int i = 0; i < 8; i++) {
      concentrator.clock.advance(interval);
      agent.state(state(2 + i, true));
      long now = concentrator.clock.millis();
      concentrator.assertVm("vm-1", vm -> assertThat(vm.getLastHeardMs()).isEqualTo(now));
    }

    assertThat(agent.isClosed()).isFalse();
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
  }

  @Test
  void anUnreachableVmIsForgottenAfterTheRetention() {
    concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));
    concentrator.clock.advance(concentrator.settings.silenceLimit().plus(interval));
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);

    concentrator.clock.advance(concentrator.settings.unreachableRetention());
    assertThat(concentrator.vm("vm-1")).isNotNull();
    concentrator.clock.advance(interval);

    assertThat(concentrator.vm("vm-1")).isNull();
  }

  /** Every start result is counted under its own tag, and the VM gauges follow the registry. */
  @Test
  void metersCountStartsByResultAndVmsByState() throws Exception {
    FakeAgent accepting = concentrator.attach("vm-a", POOL, 1);
    FakeAgent refusing = concentrator.attach("vm-b", POOL, 1);
    FakeAgent silent = concentrator.attach("vm-c", POOL, 1);
    concentrator.attach("vm-d", POOL, 1, state(1, false));
    FakeAgent pending = concentrator.attach("vm-e", POOL, 1);
    concentrator.attach("vm-f", POOL, 1).breakStream();
    concentrator.assertVm("vm-f", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));

    ListenableFuture<StartSessionResponse> started = start("r-1", "vm-a");
    StartRequest toAccept = accepting.takeStart();
    Session session = session("s-1", "alice", POOL);
    accepting.accept(toAccept, session, state(2, true, session));
    assertThat(result(started).getResult()).isEqualTo(StartResult.START_RESULT_STARTED);

    ListenableFuture<StartSessionResponse> refused = start("r-2", "vm-b");
    refusing.refuse(refusing.takeStart(), StartRefusal.START_REFUSAL_NOT_ACCEPTING, "", state(1, true));
    assertThat(result(refused).getResult()).isEqualTo(StartResult.START_RESULT_REFUSED);

    assertThat(result(start("r-3", "vm-404")).getResult()).isEqualTo(StartResult.START_RESULT_VM_NOT_ATTACHED);

    ListenableFuture<StartSessionResponse> timedOut = start("r-4", "vm-c");
    silent.takeStart();
    concentrator.assertTimers(1);
    concentrator.clock.advance(concentrator.settings.startTimeout());
    assertThat(result(timedOut).getResult()).isEqualTo(StartResult.START_RESULT_TIMED_OUT);

    start("r-5", "vm-e");  // left in flight
    pending.takeStart();

    MeterRegistry meters = concentrator.meters;
    assertThat(startsCounted("started")).isEqualTo(1);
    assertThat(startsCounted("refused")).isEqualTo(1);
    assertThat(startsCounted("vm_not_attached")).isEqualTo(1);
    assertThat(startsCounted("timed_out")).isEqualTo(1);
    assertThat(meters.get("shardbroker.concentrator.start.duration").timer().count()).isEqualTo(4);

    assertThat(vmsGauge("available")).as("vm-b, and vm-c after its rollback").isEqualTo(2);
    assertThat(vmsGauge("in_use")).isEqualTo(1);
    assertThat(vmsGauge("pending")).isEqualTo(1);
    assertThat(vmsGauge("draining")).isEqualTo(1);
    assertThat(vmsGauge("unreachable")).isEqualTo(1);
    assertThat(meters.get("shardbroker.concentrator.agent.streams").gauge().value()).isEqualTo(5);
    assertThat(meters.get("shardbroker.concentrator.sessions").gauge().value()).isEqualTo(1);
  }

  @Test
  void wireCountersCountMessagesByPeerAndLeaveHealthChecksOut() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE));
    double agentIn = wire("messages", "agent", "in");
    double brokerIn = wire("messages", "broker", "in");
    double brokerOut = wire("messages", "broker", "out");

    concentrator.broker.findCandidates(FindCandidatesRequest.newBuilder()
        .setRequestId("r-1").setUser("alice").setPool(POOL).setLimit(8).build());
    HealthGrpc.newBlockingStub(concentrator.channel).check(HealthCheckRequest.getDefaultInstance());
    agent.heartbeat(1);

    assertThat(wire("messages", "broker", "in") - brokerIn).as("FindCandidates, not the health check")
        .isEqualTo(1);
    assertThat(wire("messages", "broker", "out") - brokerOut).isEqualTo(1);
    assertThat(agentIn).as("the agent's hello").isGreaterThanOrEqualTo(1);
    assertThat(wire("messages", "agent", "in")).isEqualTo(agentIn + 1);
    assertThat(wire("messages", "agent", "out")).as("the welcome").isGreaterThanOrEqualTo(1);
  }

  private double wire(String what, String peer, String direction) {
    return concentrator.meters.get("shardbroker.concentrator.wire." + what)
        .tag("peer", peer).tag("direction", direction).counter().count();
  }

  @Test
  void theGrpcHealthServiceSaysServing() {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(concentrator.channel)
        .check(HealthCheckRequest.getDefaultInstance());

    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  /** Shutting down ends every agent's stream, so agents move on, and answers starts in flight. */
  @Test
  void closeEndsAgentStreamsWithUnavailableAndAnswersStartsInFlight() throws Exception {
    FakeAgent first = concentrator.attach("vm-1", POOL, 1);
    FakeAgent second = concentrator.attach("vm-2", POOL, 1);
    ListenableFuture<StartSessionResponse> inFlight = start("r-1", "vm-1");
    first.takeStart();

    concentrator.server.close();

    for (FakeAgent agent : List.of(first, second)) {
      Status status = agent.closedWith();
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("conc-1").contains("shutting down");
    }
    assertThat(result(inFlight).getResult()).isEqualTo(StartResult.START_RESULT_OUTCOME_UNKNOWN);
  }

  /**
   * A second close (a shutdown hook after try-with-resources, say) does nothing: in particular
   * gRPC's health service is not asked to terminate twice, which it reports as a warning.
   */
  @Test
  void closingTwiceIsHarmless() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    concentrator.server.close();
    assertThat(agent.closedWith().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    Logger grpcLog = Logger.getLogger("io.grpc");
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler recorder = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    grpcLog.addHandler(recorder);
    try {
      concentrator.server.close();
    } finally {
      grpcLog.removeHandler(recorder);
    }

    assertThat(warnings).extracting(LogRecord::getMessage).isEmpty();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** One heartbeat interval passes; the agent heartbeats and the concentrator has heard it. */
  private void tickWithHeartbeat(FakeAgent agent) {
    concentrator.clock.advance(interval);
    agent.heartbeat(1);
    long now = concentrator.clock.millis();
    concentrator.assertVm(agent.vmId, vm -> assertThat(vm.getLastHeardMs()).isEqualTo(now));
  }

  private List<String> candidates() {
    return concentrator.broker.findCandidates(FindCandidatesRequest.newBuilder()
            .setRequestId("r-find").setUser("bob").setPool(POOL).build())
        .getCandidatesList().stream().map(Candidate::getVmId).toList();
  }

  private ListenableFuture<StartSessionResponse> start(String requestId, String vmId) {
    return concentrator.brokerAsync.startSession(StartSessionRequest.newBuilder()
        .setRequestId(requestId).setUser("alice").setPool(POOL).setVmId(vmId).build());
  }

  private double startsCounted(String result) {
    return concentrator.meters.get("shardbroker.concentrator.starts").tag("result", result).counter().count();
  }

  private double vmsGauge(String state) {
    return concentrator.meters.get("shardbroker.concentrator.vms").tag("state", state).gauge().value();
  }
}
