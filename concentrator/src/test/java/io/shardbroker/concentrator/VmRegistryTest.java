package io.shardbroker.concentrator;

import static io.shardbroker.concentrator.FakeAgent.session;
import static io.shardbroker.concentrator.FakeAgent.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.PoolCounts;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.VmView;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VmRegistryTest {

  private static final String POOL = "desktops";

  private final FakeClock clock = new FakeClock();
  private final ConcentratorSettings settings =
      ConcentratorSettings.defaults("conc-1", "set-a", null);
  private final VmRegistry registry = new VmRegistry(settings, clock);

  // The registry uses streams as identities only: who may speak for a VM.
  private final AgentStream streamA = new AgentStream(null, () -> {});
  private final AgentStream streamB = new AgentStream(null, () -> {});
  private final AgentStream streamC = new AgentStream(null, () -> {});

  @Test
  void attachedVmIsListedAndOfferedWithItsState() {
    Session alice = session("s-1", "alice", POOL);
    assertThat(registry.attach(hello("vm-1", 4, state(3, true, alice)), streamA))
        .isEqualTo(VmRegistry.AttachResult.ATTACHED);

    VmView view = only(list(VmStatus.VM_STATUS_UNSPECIFIED));
    assertThat(view.getVmId()).isEqualTo("vm-1");
    assertThat(view.getPool()).isEqualTo(POOL);
    assertThat(view.getCapacity()).isEqualTo(4);
    assertThat(view.getStatus()).isEqualTo(VmStatus.VM_STATUS_IN_USE);
    assertThat(view.getSequence()).isEqualTo(3);
    assertThat(view.getSessionsList()).containsExactly(alice);
    assertThat(view.getConcentratorId()).isEqualTo("conc-1");
    assertThat(view.getLastHeardMs()).isEqualTo(clock.millis());

    assertThat(candidates("bob")).extracting(Candidate::getVmId).containsExactly("vm-1");
    assertThat(registry.find("bob", POOL, 8).candidates().get(0).getUsed()).isEqualTo(1);
    assertThat(registry.find("bob", "other-pool", 8).candidates()).isEmpty();
  }

  @Test
  void aListingFiltersByIdOrUserInAnyCaseAndByRunningSessionsAndGivesTheFirstPageById() {
    registry.attach(hello("vm-3", 1, state(1, true, session("s-3", "Carol", POOL))), streamA);
    registry.attach(hello("vm-1", 1, state(1, true)), streamB);
    registry.attach(hello("vm-2", 4, state(1, true, session("s-2", "alice", POOL), session("s-4", "dave", POOL))), streamC);
    registry.attach(hello("VM-10", 1, state(1, true)), new AgentStream(null, () -> {}));

    assertThat(ids(ListVmsRequest.getDefaultInstance())).containsExactly("VM-10", "vm-1", "vm-2", "vm-3");
    assertThat(ids(ListVmsRequest.newBuilder().setMatch("vm-1").build())).containsExactly("VM-10", "vm-1");
    assertThat(ids(ListVmsRequest.newBuilder().setMatch("CAROL").build())).containsExactly("vm-3");
    assertThat(ids(ListVmsRequest.newBuilder().setMatch("av").build())).as("dave's").containsExactly("vm-2");
    assertThat(ids(ListVmsRequest.newBuilder().setWithSessions(true).build())).containsExactly("vm-2", "vm-3");

    VmRegistry.Listing page = registry.list(ListVmsRequest.newBuilder().setMatch("vm").setLimit(2).build());
    assertThat(page.vms()).extracting(VmView::getVmId).containsExactly("VM-10", "vm-1");
    assertThat(page.matching()).isEqualTo(4);
    VmRegistry.Listing none = registry.list(ListVmsRequest.newBuilder().setMatch("nobody").setLimit(2).build());
    assertThat(none.vms()).isEmpty();
    assertThat(none.matching()).isZero();
  }

  /** Every VM with {@code status} (unspecified: all). */
  private List<VmView> list(VmStatus status) {
    return registry.list(ListVmsRequest.newBuilder().setStatus(status).build()).vms();
  }

  private List<String> ids(ListVmsRequest request) {
    return registry.list(request).vms().stream().map(VmView::getVmId).toList();
  }

  @Test
  void applyStateTakesNewerSequencesAndIgnoresOlderOnes() {
    registry.attach(hello("vm-1", 1, state(5, true)), streamA);

    registry.applyState("vm-1", streamA, state(4, true, session("s-old", "alice", POOL)));
    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getSessionsCount()).isZero();
    assertThat(registry.locate("s-old", "")).isNull();
    assertThat(candidates("bob")).hasSize(1);

    registry.applyState("vm-1", streamA, state(6, true, session("s-new", "alice", POOL)));
    VmView view = only(list(VmStatus.VM_STATUS_UNSPECIFIED));
    assertThat(view.getSequence()).isEqualTo(6);
    assertThat(view.getStatus()).isEqualTo(VmStatus.VM_STATUS_IN_USE);
    assertThat(registry.locate("s-new", "alice")).isNotNull();
    assertThat(candidates("bob")).as("a full single-user VM is no candidate").isEmpty();
  }

  @Test
  void updatesFromAStreamThatDoesNotOwnTheVmAreIgnored() {
    registry.attach(hello("vm-1", 1, state(1, true)), streamA);

    registry.applyState("vm-1", streamB, state(2, true, session("s-1", "mallory", POOL)));

    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getSequence()).isEqualTo(1);
    assertThat(registry.locate("s-1", "")).isNull();
  }

  @Test
  void findReturnsTheUsersExistingSessionsInThatPoolOnly() {
    registry.attach(hello("vm-1", 4, state(1, true,
        session("s-1", "alice", POOL), session("s-2", "bob", POOL))), streamA);
    registry.attach(hello("vm-2", 4, state(1, true, session("s-3", "alice", POOL))), streamB);
    registry.attach(helloIn("vm-3", "labs", 4, state(1, true, session("s-4", "alice", "labs"))), streamC);

    assertThat(registry.find("alice", POOL, 8).existing())
        .extracting(p -> p.getSession().getSessionId(), PlacedSession::getVmId, PlacedSession::getReachable)
        .containsExactlyInAnyOrder(
            tuple("s-1", "vm-1", true),
            tuple("s-3", "vm-2", true));
    assertThat(registry.find("carol", POOL, 8).existing()).isEmpty();
    assertThat(registry.sessions("alice", "")).hasSize(3);
    assertThat(registry.sessions("", POOL)).extracting(p -> p.getSession().getSessionId())
        .containsExactlyInAnyOrder("s-1", "s-2", "s-3");
  }

  @Test
  void locateFindsASessionByIdAndOnlyForItsOwnUser() {
    registry.attach(hello("vm-1", 4, state(1, true, session("s-1", "alice", POOL))), streamA);

    assertThat(registry.locate("s-1", "alice")).isEqualTo(new VmRegistry.SessionLocation("vm-1", POOL, streamA));
    assertThat(registry.locate("s-1", "")).as("no user: any session").isNotNull();
    assertThat(registry.locate("s-1", "bob")).as("another user's session").isNull();
    assertThat(registry.locate("s-404", "alice")).isNull();
  }

  @Test
  void sessionIndexesFollowStateChanges() {
    registry.attach(hello("vm-1", 4, state(1, true, session("s-1", "alice", POOL))), streamA);
    registry.applyState("vm-1", streamA, state(2, true, session("s-2", "bob", POOL)));

    assertThat(registry.locate("s-1", "")).isNull();
    assertThat(registry.find("alice", POOL, 8).existing()).isEmpty();
    assertThat(registry.find("bob", POOL, 8).existing()).hasSize(1);
    assertThat(registry.counts().sessions()).isEqualTo(1);
  }

  @Test
  void reserveStartCountsAPendingStartAndTakesASingleUserVmOutOfTheCandidates() {
    registry.attach(hello("vm-1", 1, state(1, true)), streamA);

    VmRegistry.Reservation reservation = registry.reserveStart("vm-1", "alice", POOL);

    assertThat(reservation.stream()).isSameAs(streamA);
    assertThat(reservation.refusal()).isNull();
    VmView view = only(list(VmStatus.VM_STATUS_UNSPECIFIED));
    assertThat(view.getPendingStarts()).isEqualTo(1);
    assertThat(view.getStatus()).isEqualTo(VmStatus.VM_STATUS_PENDING);
    assertThat(candidates("bob")).isEmpty();
    assertThat(registry.reserveStart("vm-1", "bob", POOL).refusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
  }

  @Test
  void startFinishedReleasesThePendingStartAndAppliesTheAnswersState() {
    registry.attach(hello("vm-1", 2, state(1, true)), streamA);
    registry.reserveStart("vm-1", "alice", POOL);
    assertThat(candidates("bob")).extracting(Candidate::getUsed).containsExactly(1);

    registry.startFinished("vm-1", "alice", POOL, streamA, state(2, true, session("s-1", "alice", POOL)));

    VmView view = only(list(VmStatus.VM_STATUS_UNSPECIFIED));
    assertThat(view.getPendingStarts()).isZero();
    assertThat(view.getSessionsList()).extracting(Session::getSessionId).containsExactly("s-1");
    assertThat(view.getStatus()).isEqualTo(VmStatus.VM_STATUS_IN_USE);
    assertThat(candidates("bob")).extracting(Candidate::getUsed).containsExactly(1);
    assertThat(registry.locate("s-1", "alice")).isNotNull();
  }

  @Test
  void aStartInFlightIsToldForItsUserAndPoolUntilItFinishesEvenIfTheVmWentAway() {
    registry.attach(hello("vm-1", 2, state(1, true)), streamA);
    registry.reserveStart("vm-1", "alice", POOL);

    assertThat(registry.find("alice", POOL, 8).startInFlight()).isTrue();
    assertThat(registry.startInFlight("alice", POOL)).isTrue();
    assertThat(registry.find("bob", POOL, 8).startInFlight()).isFalse();
    assertThat(registry.startInFlight("alice", "labs")).isFalse();

    registry.lost("vm-1", streamA);  // the answer is still to come
    assertThat(registry.startInFlight("alice", POOL)).isTrue();
    registry.startFinished("vm-1", "alice", POOL, streamA, null);

    assertThat(registry.startInFlight("alice", POOL)).isFalse();
  }

  @Test
  void aFailedStartMakesTheVmACandidateAgain() {
    registry.attach(hello("vm-1", 1, state(1, true)), streamA);
    registry.reserveStart("vm-1", "alice", POOL);

    registry.startFinished("vm-1", "alice", POOL, streamA, null);

    assertThat(candidates("bob")).extracting(Candidate::getVmId).containsExactly("vm-1");
    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getStatus())
        .isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
  }

  @Test
  void reserveStartRefusesWhatItKnowsCannotWork() {
    registry.attach(hello("full", 1, state(1, true, session("s-1", "alice", POOL))), streamA);
    registry.attach(hello("draining", 2, state(1, false)), streamB);

    assertThat(registry.reserveStart("full", "bob", POOL).refusal()).isEqualTo(StartRefusal.START_REFUSAL_FULL);
    assertThat(registry.reserveStart("draining", "bob", POOL).refusal()).isEqualTo(StartRefusal.START_REFUSAL_NOT_ACCEPTING);
    assertThat(registry.reserveStart("draining", "bob", "labs").refusal()).isEqualTo(StartRefusal.START_REFUSAL_WRONG_POOL);
    assertThat(registry.reserveStart("draining", "bob", "labs").detail()).contains("pool desktops, not labs");
    assertThat(registry.reserveStart("nowhere", "bob", POOL).notAttached()).isTrue();
    // The user who is already there may reconnect, full or not: the agent answers with the session.
    assertThat(registry.reserveStart("full", "alice", POOL).stream()).isSameAs(streamA);
    assertThat(registry.counts().byStatus()).containsEntry(VmStatus.VM_STATUS_DRAINING, 1);
  }

  @Test
  void lostVmIsUnreachableButItsSessionsAreStillFound() {
    registry.attach(hello("vm-1", 2, state(1, true, session("s-1", "alice", POOL))), streamA);
    registry.reserveStart("vm-1", "bob", POOL);

    registry.lost("vm-1", streamA);

    VmView view = only(list(VmStatus.VM_STATUS_UNSPECIFIED));
    assertThat(view.getStatus()).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
    assertThat(view.getPendingStarts()).isZero();
    assertThat(list(VmStatus.VM_STATUS_UNREACHABLE)).hasSize(1);
    assertThat(list(VmStatus.VM_STATUS_IN_USE)).isEmpty();
    assertThat(candidates("carol")).isEmpty();
    assertThat(registry.find("alice", POOL, 8).existing())
        .singleElement().satisfies(p -> assertThat(p.getReachable()).isFalse());
    assertThat(registry.locate("s-1", "alice")).isEqualTo(new VmRegistry.SessionLocation("vm-1", POOL, null));
    assertThat(registry.reserveStart("vm-1", "carol", POOL).notAttached()).isTrue();
    assertThat(registry.counts().reachable()).isZero();
  }

  @Test
  void detachKeepsTheVmUnreachableForTheHandoverThenForgetsItAndItsSessions() {
    registry.attach(hello("vm-1", 2, state(1, true, session("s-1", "alice", POOL))), streamA);

    registry.detach("vm-1", streamB);  // not the owner: ignored
    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getStatus())
        .isNotEqualTo(VmStatus.VM_STATUS_UNREACHABLE);

    registry.detach("vm-1", streamA);
    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getStatus())
        .isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
    assertThat(registry.find("alice", POOL, 8).existing()).singleElement()
        .satisfies(p -> assertThat(p.getReachable()).isFalse());
    assertThat(candidates("bob")).isEmpty();

    clock.advance(settings.silenceLimit());
    registry.sweep(settings.silenceLimit());
    assertThat(list(VmStatus.VM_STATUS_UNSPECIFIED)).isEmpty();
    assertThat(registry.locate("s-1", "")).isNull();
    assertThat(registry.find("alice", POOL, 8).existing()).isEmpty();
    assertThat(candidates("bob")).isEmpty();
    assertCounts(0, 0, 0);
  }

  @Test
  void aSecondStreamIsRefusedWhileTheFirstLivesAndTakesOverOnceItIsLost() {
    registry.attach(hello("vm-1", 1, state(1, true)), streamA);

    assertThat(registry.attach(hello("vm-1", 1, state(1, true)), streamB))
        .isEqualTo(VmRegistry.AttachResult.ALREADY_ATTACHED);
    assertThat(registry.reserveStart("vm-1", "alice", POOL).stream()).isSameAs(streamA);
    registry.startFinished("vm-1", "alice", POOL, streamA, null);

    registry.lost("vm-1", streamA);
    assertThat(registry.attach(hello("vm-1", 1, state(1, true)), streamB))
        .isEqualTo(VmRegistry.AttachResult.ATTACHED);

    assertThat(registry.reserveStart("vm-1", "alice", POOL).stream()).isSameAs(streamB);
    registry.applyState("vm-1", streamA, state(9, false));  // the old stream has no say any more
    assertThat(only(list(VmStatus.VM_STATUS_UNSPECIFIED)).getSequence()).isEqualTo(1);
    assertCounts(1, 0, 0, VmStatus.VM_STATUS_PENDING, 1);
  }

  @Test
  void reattachingWithAnotherPoolAndCapacityMovesTheVm() {
    registry.attach(hello("vm-1", 1, state(1, true)), streamA);
    registry.lost("vm-1", streamA);

    registry.attach(helloIn("vm-1", "labs", 3, state(1, true)), streamB);

    assertThat(candidates("bob")).isEmpty();
    assertThat(registry.find("bob", "labs", 8).candidates())
        .singleElement().satisfies(c -> assertThat(c.getCapacity()).isEqualTo(3));
    assertThat(registry.countByPool(Set.of())).as("counted in its new pool only")
        .extracting(PoolCounts::getPool, PoolCounts::getAvailable, PoolCounts::getFreeSlots)
        .containsExactly(tuple("labs", 1, 3));
  }

  @Test
  void sweepMarksSilentVmsUnreachableAndReturnsTheirStreams() {
    Duration interval = settings.heartbeatInterval();
    registry.attach(hello("quiet", 1, state(1, true)), streamA);
    registry.attach(hello("chatty", 1, state(1, true)), streamB);

    for (int i = 0; i < 3; i++) {
      clock.advance(interval);
      registry.heard("chatty", streamB);
      assertThat(registry.sweep(settings.silenceLimit())).isEmpty();
    }
    // Exactly three intervals of silence is still within the limit; a moment more is not.
    assertThat(list(VmStatus.VM_STATUS_UNREACHABLE)).isEmpty();
    clock.advance(Duration.ofMillis(1));
    assertThat(registry.sweep(settings.silenceLimit())).containsExactly(streamA);

    assertThat(status("quiet")).isEqualTo(VmStatus.VM_STATUS_UNREACHABLE);
    assertThat(status("chatty")).isEqualTo(VmStatus.VM_STATUS_AVAILABLE);
    assertThat(candidates("bob")).extracting(Candidate::getVmId).containsExactly("chatty");
    assertThat(registry.sweep(settings.silenceLimit())).as("already unreachable: not returned twice").isEmpty();
  }

  @Test
  void sweepForgetsUnreachableVmsPastTheRetention() {
    registry.attach(hello("vm-1", 1, state(1, true, session("s-1", "alice", POOL))), streamA);
    registry.lost("vm-1", streamA);

    clock.advance(settings.unreachableRetention());
    registry.sweep(settings.silenceLimit());
    assertThat(list(VmStatus.VM_STATUS_UNSPECIFIED)).hasSize(1);

    clock.advance(Duration.ofMillis(1));
    registry.sweep(settings.silenceLimit());
    assertThat(list(VmStatus.VM_STATUS_UNSPECIFIED)).isEmpty();
    assertThat(registry.locate("s-1", "")).isNull();
    assertCounts(0, 0, 0);
  }

  /** The per-status counts are kept incrementally; this walks them through every transition. */
  @Test
  void countsFollowEveryTransition() {
    registry.attach(hello("available", 1, state(1, true)), streamA);
    registry.attach(hello("in-use", 2, state(1, true, session("s-1", "alice", POOL))), streamB);
    registry.attach(hello("draining", 1, state(1, false)), streamC);
    assertCounts(3, 0, 1, VmStatus.VM_STATUS_AVAILABLE, 1, VmStatus.VM_STATUS_IN_USE, 1, VmStatus.VM_STATUS_DRAINING, 1);

    registry.reserveStart("available", "bob", POOL);
    assertThat(registry.counts().byStatus()).containsEntry(VmStatus.VM_STATUS_PENDING, 1)
        .containsEntry(VmStatus.VM_STATUS_AVAILABLE, 0);

    registry.startFinished("available", "bob", POOL, streamA, state(2, true, session("s-2", "bob", POOL)));
    assertCounts(3, 0, 2, VmStatus.VM_STATUS_IN_USE, 2, VmStatus.VM_STATUS_DRAINING, 1);

    registry.lost("in-use", streamB);
    assertCounts(2, 1, 2, VmStatus.VM_STATUS_IN_USE, 1, VmStatus.VM_STATUS_DRAINING, 1, VmStatus.VM_STATUS_UNREACHABLE, 1);

    registry.detach("draining", streamC);
    clock.advance(settings.silenceLimit().plusMillis(1));
    assertThat(registry.sweep(settings.silenceLimit())).containsExactly(streamA);
    assertCounts(0, 2, 2, VmStatus.VM_STATUS_UNREACHABLE, 2);

    registry.attach(hello("in-use", 2, state(1, true, session("s-1", "alice", POOL))), streamB);
    assertCounts(1, 1, 2, VmStatus.VM_STATUS_IN_USE, 1, VmStatus.VM_STATUS_UNREACHABLE, 1);

    clock.advance(settings.unreachableRetention().plusMillis(1));
    registry.heard("in-use", streamB);
    registry.sweep(settings.silenceLimit());
    assertCounts(1, 0, 1, VmStatus.VM_STATUS_IN_USE, 1);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private List<Candidate> candidates(String user) {
    return registry.find(user, POOL, 8).candidates();
  }

  private VmStatus status(String vmId) {
    return list(VmStatus.VM_STATUS_UNSPECIFIED).stream()
        .filter(v -> v.getVmId().equals(vmId)).findFirst().orElseThrow().getStatus();
  }

  private static VmView only(List<VmView> views) {
    assertThat(views).hasSize(1);
    return views.get(0);
  }

  private static Hello hello(String vmId, int capacity, VmState state) {
    return helloIn(vmId, POOL, capacity, state);
  }

  private static Hello helloIn(String vmId, String pool, int capacity, VmState state) {
    return FakeAgent.hello(vmId, pool, capacity, state);
  }

  /** The registry's counts are these; statuses not named must count zero. */
  private void assertCounts(int reachable, int unreachable, int sessions, Object... statusAndCount) {
    Map<VmStatus, Integer> expected = new EnumMap<>(VmStatus.class);
    for (int i = 0; i < statusAndCount.length; i += 2) {
      expected.put((VmStatus) statusAndCount[i], (Integer) statusAndCount[i + 1]);
    }
    VmRegistry.Counts counts = registry.counts();
    assertThat(counts.reachable()).as("reachable").isEqualTo(reachable);
    assertThat(counts.unreachable()).as("unreachable").isEqualTo(unreachable);
    assertThat(counts.sessions()).as("sessions").isEqualTo(sessions);
    Map<VmStatus, Integer> nonZero = new EnumMap<>(VmStatus.class);
    counts.byStatus().forEach((status, n) -> {
      if (n != 0) {
        nonZero.put(status, n);
      }
    });
    assertThat(nonZero).as("by status").isEqualTo(expected);
    // The status counts must agree with what a full listing shows.
    Map<VmStatus, Integer> listed = new EnumMap<>(VmStatus.class);
    list(VmStatus.VM_STATUS_UNSPECIFIED).forEach(v -> listed.merge(v.getStatus(), 1, Integer::sum));
    assertThat(listed).as("by status, as listed").isEqualTo(expected);
    // And with the per-pool counts, summed.
    Map<VmStatus, Integer> perPool = new EnumMap<>(VmStatus.class);
    for (PoolCounts pool : registry.countByPool(Set.of())) {
      perPool.merge(VmStatus.VM_STATUS_AVAILABLE, pool.getAvailable(), Integer::sum);
      perPool.merge(VmStatus.VM_STATUS_IN_USE, pool.getInUse(), Integer::sum);
      perPool.merge(VmStatus.VM_STATUS_PENDING, pool.getPending(), Integer::sum);
      perPool.merge(VmStatus.VM_STATUS_DRAINING, pool.getDraining(), Integer::sum);
      perPool.merge(VmStatus.VM_STATUS_UNREACHABLE, pool.getUnreachable(), Integer::sum);
    }
    perPool.values().removeIf(n -> n == 0);
    assertThat(perPool).as("by status, summed over the pools").isEqualTo(expected);
  }
}
