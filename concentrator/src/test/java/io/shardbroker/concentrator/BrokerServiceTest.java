package io.shardbroker.concentrator;

import static io.shardbroker.concentrator.FakeAgent.session;
import static io.shardbroker.concentrator.FakeAgent.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.CountVmsRequest;
import io.shardbroker.protocol.v1.CountVmsResponse;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.EndResult;
import io.shardbroker.protocol.v1.EndSessionRequest;
import io.shardbroker.protocol.v1.EndSessionResponse;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.PoolCounts;
import io.shardbroker.protocol.v1.PoolFreeSlots;
import io.shardbroker.protocol.v1.EndReason;
import io.shardbroker.protocol.v1.EndedSession;
import io.shardbroker.protocol.v1.JournaledEnd;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.SessionPolicy;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.protocol.v1.VmStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The broker's side of a concentrator, with fake agents on the other side of the VMs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrokerServiceTest {

  private static final String POOL = "desktops";

  private TestConcentrator concentrator = new TestConcentrator();

  @AfterEach
  void stop() {
    concentrator.close();
  }

  // ---- FindCandidates and Health --------------------------------------------------------------

  @Test
  void findCandidatesReturnsThePoolsLeastLoadedVmsAndTheUsersSessions() {
    Session alices = session("s-alice", "alice", POOL);
    concentrator.attach("vm-half", POOL, 2, state(1, true, session("s-bob", "bob", POOL)));
    concentrator.attach("vm-quarter", POOL, 4, state(1, true, alices));
    concentrator.attach("vm-idle", POOL, 1);
    concentrator.attach("vm-full", POOL, 1, state(1, true, session("s-carol", "carol", POOL)));
    concentrator.attach("vm-draining", POOL, 1, state(1, false));
    concentrator.attach("vm-labs", "labs", 1, state(1, true, session("s-alice-labs", "alice", "labs")));

    FindCandidatesResponse found = find("alice", 10);

    assertThat(found.getConcentratorId()).isEqualTo("conc-1");
    assertThat(found.getCandidatesList())
        .extracting(Candidate::getVmId, Candidate::getCapacity, Candidate::getUsed)
        .containsExactly(tuple("vm-idle", 1, 0), tuple("vm-quarter", 4, 1), tuple("vm-half", 2, 1));
    assertThat(found.getExistingSessionsList()).singleElement().satisfies(p -> {
      assertThat(p.getSession()).isEqualTo(alices);
      assertThat(p.getVmId()).isEqualTo("vm-quarter");
      assertThat(p.getConcentratorId()).isEqualTo("conc-1");
      assertThat(p.getReachable()).isTrue();
    });
    assertThat(find("alice", 2).getCandidatesList()).extracting(Candidate::getVmId)
        .containsExactly("vm-idle", "vm-quarter");
    assertThat(find("dave", 10).getExistingSessionsList()).isEmpty();
  }

  @Test
  void findCandidatesNeedsAUserAndAPool() {
    assertThatThrownBy(() -> concentrator.broker.findCandidates(
            FindCandidatesRequest.newBuilder().setRequestId("r").setPool(POOL).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  /** No limit asks for the default number, a huge one for the most allowed: never more. */
  @Test
  void findCandidatesNeverReturnsMoreThanMaxCandidates() {
    concentrator.close();
    concentrator = new TestConcentrator(new ConcentratorSettings("conc-1", "set-a", null,
        Duration.ofSeconds(5), 3, Duration.ofSeconds(10), Duration.ofSeconds(10),
        Duration.ofMinutes(10), 3));
    for (int i = 0; i < 10; i++) {
      concentrator.attach("vm-" + i, POOL, 1);
    }

    assertThat(find("alice", 0).getCandidatesList()).hasSize(3);
    assertThat(find("alice", 2).getCandidatesList()).hasSize(2);
    assertThat(find("alice", 1000).getCandidatesList()).hasSize(3);
    assertThat(find("alice", -1).getCandidatesList()).as("uint32 4294967295").hasSize(3);
  }

  @Test
  void findCandidatesWithoutALimitReturnsSeveralCandidates() {
    for (int i = 0; i < 10; i++) {
      concentrator.attach("vm-" + i, POOL, 1);
    }

    assertThat(find("alice", 0).getCandidatesList()).hasSize(8).doesNotHaveDuplicates();
  }

  @Test
  void healthAnswersCarryTheEndsVmsReportedAfterTheBrokersCursor() {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 2, state(1, true, session("s-1", "alice", POOL)));
    EndedSession loggedOff = EndedSession.newBuilder().setSessionId("s-1").setUser("alice").setPool(POOL)
        .setEndedAtMs(1_000).setReason(EndReason.END_REASON_LOGGED_OFF).build();
    agent.state(state(2, true).toBuilder().addRecentEnds(loggedOff).build());

    HealthResponse first = concentrator.broker.health(HealthRequest.getDefaultInstance());
    assertThat(first.getEndsList()).extracting(JournaledEnd::getVmId, JournaledEnd::getEnd)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("vm-1", loggedOff));

    // the end stays in the VM's reports for a while: it is journaled once
    EndedSession idle = loggedOff.toBuilder().setSessionId("s-2").setReason(EndReason.END_REASON_IDLE).build();
    agent.state(state(3, true).toBuilder().addRecentEnds(loggedOff).addRecentEnds(idle).build());
    HealthResponse next = concentrator.broker.health(HealthRequest.newBuilder()
        .setEndsJournal(first.getEndsJournal()).setEndsAfter(first.getEnds(0).getSequence()).build());
    assertThat(next.getEndsList()).extracting(e -> e.getEnd().getSessionId()).containsExactly("s-2");
    assertThat(concentrator.broker.health(HealthRequest.newBuilder().setEndsJournal("another run").build())
        .getEndsCount()).as("a cursor into another journal starts over").isEqualTo(2);
  }

  @Test
  void healthCountsAttachedAndUnreachableVmsAndSessions() {
    concentrator.attach("vm-1", POOL, 2, state(1, true, session("s-1", "alice", POOL), session("s-2", "bob", POOL)));
    concentrator.attach("vm-2", POOL, 1);
    FakeAgent gone = concentrator.attach("vm-3", POOL, 1, state(1, true, session("s-3", "carol", POOL)));
    gone.breakStream();
    concentrator.assertVm("vm-3", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));

    HealthResponse health = concentrator.broker.health(HealthRequest.getDefaultInstance());

    assertThat(health.getConcentratorId()).isEqualTo("conc-1");
    assertThat(health.getSetId()).isEqualTo("set-a");
    assertThat(health.getAttachedVms()).isEqualTo(2);
    assertThat(health.getUnreachableVms()).isEqualTo(1);
    assertThat(health.getSessions()).isEqualTo(3);
    assertThat(health.getTopologyVersion()).isEqualTo(7);
  }

  /**
   * Brokers that search a set by sampling ask the concentrators with the most room, so health
   * says how many more sessions each pool's VMs here may take: only VMs that are candidates, with
   * starts in flight taking their slot until the agent answers.
   */
  @Test
  void healthAdvertisesThePoolsFreeSlotsOnVmsThatMayTakeASession() throws Exception {
    concentrator.attach("vm-multi", POOL, 4, state(1, true, session("s-1", "alice", POOL)));
    FakeAgent idle = concentrator.attach("vm-idle", POOL, 1);
    concentrator.attach("vm-full", POOL, 1, state(1, true, session("s-2", "bob", POOL)));
    concentrator.attach("vm-draining", POOL, 2, state(1, false));
    FakeAgent gone = concentrator.attach("vm-gone", POOL, 2);
    gone.breakStream();
    concentrator.assertVm("vm-gone", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));
    concentrator.attach("vm-labs", "labs", 2);

    assertThat(freeSlots()).containsOnly(entry(POOL, 4), entry("labs", 2));

    ListenableFuture<StartSessionResponse> started = start("r-1", "carol", "vm-idle");
    StartRequest request = idle.takeStart();
    assertThat(freeSlots()).as("while the start is in flight").containsEntry(POOL, 3);

    idle.accept(request, session("s-3", "carol", POOL), state(2, true, session("s-3", "carol", POOL)));
    assertThat(result(started).getResult()).isEqualTo(StartResult.START_RESULT_STARTED);
    assertThat(freeSlots()).as("once it ran").containsEntry(POOL, 3);
  }

  private Map<String, Integer> freeSlots() {
    return concentrator.broker.health(HealthRequest.getDefaultInstance()).getFreeSlotsList().stream()
        .collect(Collectors.toMap(PoolFreeSlots::getPool, PoolFreeSlots::getFreeSlots));
  }

  // ---- CountVms -------------------------------------------------------------------------------

  /**
   * Each VM counts once, in its status, in maintenance or not; its room counts as free only while
   * it is a candidate and not in maintenance, a multi-session host's with every slot it has left.
   */
  @Test
  void countVmsCountsEachPoolsVmsByStatusAndTheRoomBrokeringMayUse() throws Exception {
    FakeAgent idle = concentrator.attach("vm-idle", POOL, 1);
    concentrator.attach("vm-multi", POOL, 4, state(1, true, session("s-1", "alice", POOL)));
    concentrator.attach("vm-full", POOL, 1, state(1, true, session("s-2", "bob", POOL)));
    concentrator.attach("vm-draining", POOL, 2, state(1, false));
    concentrator.attach("vm-drained-host", POOL, 4, state(1, true, session("s-3", "carol", POOL)));
    concentrator.attach("vm-drained-idle", POOL, 1);
    FakeAgent gone = concentrator.attach("vm-gone", POOL, 2);
    gone.breakStream();
    concentrator.assertVm("vm-gone", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));
    concentrator.attach("vm-labs", "labs", 2);
    List<String> maintenance = List.of("vm-drained-host", "vm-drained-idle", "vm-gone",
        "vm-drained-idle", "vm-elsewhere");  // a repeat and a VM not attached here change nothing

    CountVmsResponse counted = countVms(maintenance);

    assertThat(counted.getConcentratorId()).isEqualTo("conc-1");
    assertThat(counted.getPoolsList()).containsExactlyInAnyOrder(
        poolCounts(POOL, 2, 3, 0, 1, 1, 3, 4),  // vm-idle 1 + vm-multi 3; not the drained ones' 1 + 3
        poolCounts("labs", 1, 0, 0, 0, 0, 0, 2));
    assertThat(countVms(List.of()).getPoolsList()).as("without maintenance")
        .contains(poolCounts(POOL, 2, 3, 0, 1, 1, 0, 8));

    ListenableFuture<StartSessionResponse> started = start("r-1", "dave", "vm-idle");
    StartRequest request = idle.takeStart();
    assertThat(countVms(maintenance).getPoolsList()).as("while a start is in flight")
        .contains(poolCounts(POOL, 1, 3, 1, 1, 1, 3, 3));
    idle.accept(request, session("s-4", "dave", POOL), state(2, true, session("s-4", "dave", POOL)));
    assertThat(result(started).getResult()).isEqualTo(StartResult.START_RESULT_STARTED);
    assertThat(countVms(maintenance).getPoolsList()).as("once it ran")
        .contains(poolCounts(POOL, 1, 4, 0, 1, 1, 3, 3));
  }

  private CountVmsResponse countVms(List<String> maintenance) {
    return concentrator.broker.countVms(
        CountVmsRequest.newBuilder().addAllMaintenanceVmIds(maintenance).build());
  }

  private static PoolCounts poolCounts(
      String pool, int available, int inUse, int pending, int draining, int unreachable,
      int inMaintenance, int freeSlots) {
    return PoolCounts.newBuilder().setPool(pool).setAvailable(available).setInUse(inUse)
        .setPending(pending).setDraining(draining).setUnreachable(unreachable)
        .setInMaintenance(inMaintenance).setFreeSlots(freeSlots).build();
  }

  // ---- StartSession ---------------------------------------------------------------------------

  @Test
  void aStartIsForwardedToTheAgentAndItsAcceptanceReturnsTheSession() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    StartRequest forwarded = agent.takeStart();
    assertThat(forwarded).isEqualTo(StartRequest.newBuilder()
        .setRequestId("r-1").setUser("alice").setPool(POOL).build());
    Session started = session("s-1", "alice", POOL).toBuilder().setRequestId("r-1").build();
    agent.accept(forwarded, started, state(2, true, started));

    StartSessionResponse response = result(call);
    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_STARTED);
    assertThat(response.getSession()).isEqualTo(started);
    assertThat(response.getExisting()).isFalse();
    // The answer's state is taken at once: the session is there, the VM no longer a candidate.
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_IN_USE);
    assertThat(find("bob", 10).getCandidatesList()).isEmpty();
    assertThat(find("alice", 10).getExistingSessionsList()).extracting(PlacedSession::getVmId)
        .containsExactly("vm-1");
  }

  @Test
  void anAgentsRefusalReturnsRefusedWithItsReason() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);

    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    agent.refuse(agent.takeStart(), StartRefusal.START_REFUSAL_HOST_FAILED, "out of disk", state(2, false));

    StartSessionResponse response = result(call);
    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_REFUSED);
    assertThat(response.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_HOST_FAILED);
    assertThat(response.getReason()).isEqualTo("host failed: out of disk");
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_DRAINING);
  }

  @Test
  void aStartOnAnUnknownVmReturnsVmNotAttached() throws Exception {
    StartSessionResponse response = result(start("r-1", "alice", "vm-404"));

    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_VM_NOT_ATTACHED);
    assertThat(response.getReason()).contains("vm-404");
  }

  @Test
  void aStartOnAFullVmIsRefusedWithoutAskingTheAgent() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "bob", POOL)));

    StartSessionResponse response = result(start("r-1", "alice", "vm-1"));

    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_REFUSED);
    assertThat(response.getRefusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(response.getReason()).isEqualTo("full");
    assertThat(agent.count(ConcentratorMessage.BodyCase.START)).isZero();
  }

  @Test
  void aSingleUserVmWithAStartInFlightIsNotOffered() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    concentrator.attach("vm-2", POOL, 1);

    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    StartRequest forwarded = agent.takeStart();

    assertThat(find("bob", 10).getCandidatesList()).extracting(Candidate::getVmId).containsExactly("vm-2");
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_PENDING);
    assertThat(concentrator.vm("vm-1").getPendingStarts()).isEqualTo(1);

    agent.refuse(forwarded, StartRefusal.START_REFUSAL_NOT_ACCEPTING, "", state(1, true));
    assertThat(result(call).getResult()).isEqualTo(StartResult.START_RESULT_REFUSED);
    assertThat(find("bob", 10).getCandidatesList()).extracting(Candidate::getVmId)
        .containsExactlyInAnyOrder("vm-1", "vm-2");
  }

  /**
   * An agent that does not answer within the start timeout: the broker hears TIMED_OUT, the agent
   * is told to undo whatever that request started, and the VM is offered again.
   */
  @Test
  void aStartTheAgentDoesNotAnswerInTimeIsRolledBack() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    agent.takeStart();
    concentrator.assertTimers(1);

    concentrator.clock.advance(concentrator.settings.startTimeout().minusMillis(1));
    assertThat(call.isDone()).as("not timed out a millisecond early").isFalse();
    concentrator.clock.advance(Duration.ofMillis(1));

    StartSessionResponse response = result(call);
    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_TIMED_OUT);
    assertThat(response.getReason()).contains("rolled back");
    EndRequest rollback = agent.takeEnd();
    assertThat(rollback.getStartRequestId()).isEqualTo("r-1");
    assertThat(rollback.getSessionId()).isEmpty();
    assertThat(rollback.getRequestId()).isNotEqualTo("r-1");
    assertThat(find("bob", 10).getCandidatesList()).extracting(Candidate::getVmId).containsExactly("vm-1");

    // The rollback's answer brings the VM's state.
    agent.ended(rollback, false, state(2, true));
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getSequence()).isEqualTo(2));
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
  }

  @Test
  void aStartWhoseBrokerGivesUpIsRolledBack() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    // The broker's deadline runs out: made on the fake clock's ticker, it passes when the clock does.
    ListenableFuture<StartSessionResponse> call = concentrator.brokerOnClock
        .withDeadline(Deadline.after(300, TimeUnit.MILLISECONDS, concentrator.clock.ticker()))
        .startSession(StartSessionRequest.newBuilder()
            .setRequestId("r-1").setUser("alice").setPool(POOL).setVmId("vm-1").build());
    agent.takeStart();
    concentrator.clock.advance(Duration.ofMillis(300));
    assertThat(call.isDone()).as("the call gave up").isTrue();

    EndRequest rollback = agent.takeEnd();
    assertThat(rollback.getStartRequestId()).isEqualTo("r-1");
    assertThat(concentrator.vm("vm-1").getPendingStarts()).isZero();
    assertThat(find("bob", 10).getCandidatesList()).extracting(Candidate::getVmId).containsExactly("vm-1");
  }

  /**
   * The broker goes away (killed) while the agent decides: nobody starts elsewhere for this
   * request, so an accepted session stays and the user's next request finds it.
   */
  @Test
  void aStartWhoseBrokerGoesAwayKeepsTheSessionTheAgentAccepts() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    StartRequest request = agent.takeStart();

    call.cancel(true);
    agent.accept(request, session("s-1", "alice", POOL), state(2, true, session("s-1", "alice", POOL)));

    assertThat(concentrator.vm("vm-1").getPendingStarts()).isZero();
    assertThat(find("alice", 10).getExistingSessionsList())
        .extracting(p -> p.getSession().getSessionId()).containsExactly("s-1");
    assertThat(agent.count(ConcentratorMessage.BodyCase.END)).as("no rollback").isZero();
  }

  /** The agent's stream dies while a start waits for it: the broker gets an answer, not a hang. */
  @Test
  void aStartWhoseAgentStreamDiesIsAnsweredAtOnce() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    agent.takeStart();

    agent.breakStream();

    // Answered without moving the clock: no timeout was needed.
    StartSessionResponse response = result(call);
    assertThat(response.getResult()).isEqualTo(StartResult.START_RESULT_OUTCOME_UNKNOWN);
    assertThat(response.getReason()).contains("stream ended").doesNotContain("rolled back");
    assertThat(concentrator.vm("vm-1").getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
  }

  @Test
  void aStartWhoseAgentDetachesIsAnsweredAtOnce() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    ListenableFuture<StartSessionResponse> call = start("r-1", "alice", "vm-1");
    agent.takeStart();

    agent.detach();

    assertThat(result(call).getResult()).isEqualTo(StartResult.START_RESULT_OUTCOME_UNKNOWN);
  }

  @Test
  void startSessionNeedsEveryField() {
    assertThatThrownBy(() -> concentrator.broker.startSession(StartSessionRequest.newBuilder()
            .setRequestId("r-1").setUser("alice").setPool(POOL).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  // ---- EndSession -----------------------------------------------------------------------------

  @Test
  void anEndIsForwardedAndTheAgentsAnswerEndsTheSession() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 2,
        state(1, true, session("s-1", "alice", POOL), session("s-2", "bob", POOL)));

    ListenableFuture<EndSessionResponse> call = end("r-end", "s-1", "alice");
    EndRequest forwarded = agent.takeEnd();
    assertThat(forwarded).isEqualTo(EndRequest.newBuilder().setRequestId("r-end").setSessionId("s-1").build());
    agent.ended(forwarded, true, state(2, true, session("s-2", "bob", POOL)));

    assertThat(result(call).getResult()).isEqualTo(EndResult.END_RESULT_ENDED);
    assertThat(concentrator.vm("vm-1").getSessionsList()).extracting(Session::getSessionId).containsExactly("s-2");
    assertThat(find("alice", 10).getExistingSessionsList()).isEmpty();
  }

  @Test
  void anEndTheAgentFindsNothingForReturnsNotFound() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));

    ListenableFuture<EndSessionResponse> call = end("r-end", "s-1", "alice");
    agent.ended(agent.takeEnd(), false, state(2, true));

    assertThat(result(call).getResult()).isEqualTo(EndResult.END_RESULT_NOT_FOUND);
    assertThat(concentrator.vm("vm-1").getSessionsCount()).isZero();
  }

  @Test
  void anEndOfAnotherUsersSessionIsNotFoundAndNeverReachesTheAgent() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));

    EndSessionResponse response = result(end("r-end", "s-1", "mallory"));

    assertThat(response.getResult()).isEqualTo(EndResult.END_RESULT_NOT_FOUND);
    assertThat(result(end("r-end-2", "s-404", "alice")).getResult()).isEqualTo(EndResult.END_RESULT_NOT_FOUND);
    assertThat(agent.count(ConcentratorMessage.BodyCase.END)).isZero();
    assertThat(concentrator.vm("vm-1").getSessionsCount()).isEqualTo(1);
  }

  /** The end timeout runs on the concentrator's clock: advancing the FakeClock must fire it. */
  @Test
  void anEndTheAgentDoesNotAnswerFailsAfterTheEndTimeout() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));
    ListenableFuture<EndSessionResponse> call = end("r-end", "s-1", "alice");
    agent.takeEnd();
    concentrator.assertTimers(1);

    concentrator.clock.advance(concentrator.settings.endTimeout().minusMillis(1));
    assertThat(call.isDone()).isFalse();
    concentrator.clock.advance(Duration.ofMillis(1));

    EndSessionResponse response = result(call);
    assertThat(response.getResult()).isEqualTo(EndResult.END_RESULT_FAILED);
    assertThat(response.getReason()).isNotEmpty();
    assertThat(concentrator.vm("vm-1").getSessionsCount()).isEqualTo(1);
  }

  @Test
  void anEndOnAnUnreachableVmFails() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1, state(1, true, session("s-1", "alice", POOL)));
    agent.breakStream();
    concentrator.assertVm("vm-1", vm -> assertThat(vm.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE));

    EndSessionResponse response = result(end("r-end", "s-1", "alice"));

    assertThat(response.getResult()).isEqualTo(EndResult.END_RESULT_FAILED);
    assertThat(response.getReason()).contains("unreachable");
  }

  // ---- helpers --------------------------------------------------------------------------------

  private FindCandidatesResponse find(String user, int limit) {
    return concentrator.broker.findCandidates(FindCandidatesRequest.newBuilder()
        .setRequestId("r-find").setUser(user).setPool(POOL).setLimit(limit).build());
  }

  @Test
  void thePoolsLogoffPolicyReachesTheAgentWithTheStart() throws Exception {
    FakeAgent agent = concentrator.attach("vm-1", POOL, 1);
    SessionPolicy policy = SessionPolicy.newBuilder().setIdleLogoffAfterS(900).setDisconnectedLogoffAfterS(3600).build();

    concentrator.brokerAsync.startSession(StartSessionRequest.newBuilder()
        .setRequestId("r-1").setUser("alice").setPool(POOL).setVmId("vm-1").setPolicy(policy).build());

    assertThat(agent.takeStart().getPolicy()).isEqualTo(policy);
  }

  private ListenableFuture<StartSessionResponse> start(String requestId, String user, String vmId) {
    return concentrator.brokerAsync.startSession(StartSessionRequest.newBuilder()
        .setRequestId(requestId).setUser(user).setPool(POOL).setVmId(vmId).build());
  }

  private ListenableFuture<EndSessionResponse> end(String requestId, String sessionId, String user) {
    return concentrator.brokerAsync.endSession(EndSessionRequest.newBuilder()
        .setRequestId(requestId).setSessionId(sessionId).setUser(user).build());
  }

  static <T> T result(ListenableFuture<T> call) throws ExecutionException, InterruptedException {
    FakeAgent.holdsNow(call::isDone);
    return call.get();
  }
}
