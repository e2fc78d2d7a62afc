package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.PoolCounts;
import io.shardbroker.protocol.StartRule;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.VmView;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything a concentrator knows about the VMs attached to it, in memory only (docs/design.md,
 * "VM state is soft"): each VM's last reported state, a per-pool index of candidates by load, and
 * indexes of sessions by id and by user.
 *
 * <p>Design. One lock ({@code this}) guards all of it. Every operation is a few hash lookups and
 * index moves, so the lock is held for microseconds; nothing under it waits on the network.
 * After any change to a {@link VmRecord} the change goes through {@link #refresh}, which keeps
 * its pool's index (candidates by load, VMs by status) in step with the record.
 *
 * <p>A VM is attached through exactly one stream. Updates that arrive on any other stream (an
 * old one that has not noticed it was replaced) are ignored. A VM whose stream breaks or goes
 * silent stays listed as unreachable, with its sessions, until it reattaches or the retention
 * passes; it is never a candidate meanwhile. A VM that detaches on purpose (it moves to another
 * concentrator of the set) stays listed the same way for a short handover, one silence limit: a
 * broker that cannot see the new concentrator yet (it has just restarted) still learns of the
 * VM's sessions here, marked unreachable, which makes it ask the agent itself.
 */
final class VmRegistry {

  enum AttachResult { ATTACHED, ALREADY_ATTACHED }

  /** Outcome of reserving a VM for a start. */
  record Reservation(AgentStream stream, StartRefusal refusal, String detail, boolean notAttached) {
    static Reservation of(AgentStream stream) {
      return new Reservation(stream, null, "", false);
    }

    static Reservation refused(StartRefusal why, String detail) {
      return new Reservation(null, why, detail, false);
    }

    static Reservation missing() {
      return new Reservation(null, null, "", true);
    }
  }

  /** Where a session runs; {@code stream} is null when the VM is unreachable. */
  record SessionLocation(String vmId, String pool, AgentStream stream) {}

  record Candidates(List<Candidate> candidates, List<PlacedSession> existing, boolean startInFlight) {}

  record Counts(int reachable, int unreachable, int sessions, Map<VmStatus, Integer> byStatus) {}

  /** The statuses a VM can have. */
  private static final Comparator<VmRecord> BY_ID = Comparator.comparing(vm -> vm.vmId);

  private static final List<VmStatus> STATUSES = List.of(VmStatus.VM_STATUS_AVAILABLE,
      VmStatus.VM_STATUS_IN_USE, VmStatus.VM_STATUS_PENDING, VmStatus.VM_STATUS_DRAINING,
      VmStatus.VM_STATUS_UNREACHABLE);

  private final String concentratorId;
  private final Clock clock;
  private final ConcentratorSettings settings;

  private final Map<String, VmRecord> vms = new HashMap<>();
  private final Map<String, PoolIndex> pools = new HashMap<>();
  private final Map<String, VmRecord> vmBySession = new HashMap<>();
  /** User and pool -> starts reserved for them and not finished yet. */
  private final Map<String, Integer> startsInFlight = new HashMap<>();
  /** User -> the VMs that run a session of theirs, once per session. */
  private final Map<String, List<VmRecord>> vmsByUser = new HashMap<>();
  private int sessionCount;
  private final EndJournal ends = new EndJournal();

  VmRegistry(ConcentratorSettings settings, Clock clock) {
    this.concentratorId = settings.id();
    this.settings = settings;
    this.clock = clock;
  }

  synchronized AttachResult attach(Hello hello, AgentStream stream) {
    VmRecord vm = vms.get(hello.getVmId());
    if (vm != null && vm.reachable() && vm.stream != stream) {
      return AttachResult.ALREADY_ATTACHED;
    }
    if (vm == null) {
      vm = new VmRecord(hello.getVmId());
      vms.put(vm.vmId, vm);
    } else {
      poolIndex(vm.pool).remove(vm);  // the pool may differ after an agent restart
    }
    vm.pool = hello.getPool();
    vm.capacity = hello.getCapacity();
    vm.incarnation = hello.getIncarnation();
    vm.stream = stream;
    vm.pendingStarts = 0;
    vm.unreachableSinceMillis = 0;
    vm.forgetAtMillis = 0;
    vm.lastHeardMillis = clock.millis();
    replaceState(vm, hello.getState());
    refresh(vm);
    return AttachResult.ATTACHED;
  }

  /** Takes a state report; older sequences than the one known are ignored. */
  synchronized void applyState(String vmId, AgentStream stream, VmState state) {
    VmRecord vm = current(vmId, stream);
    if (vm == null) {
      return;
    }
    vm.lastHeardMillis = clock.millis();
    if (state.getSequence() > vm.state.getSequence()) {
      replaceState(vm, state);
      refresh(vm);
    }
  }

  /** The agent was heard on {@code stream}; false when that is not the VM's current stream. */
  synchronized boolean heard(String vmId, AgentStream stream) {
    VmRecord vm = current(vmId, stream);
    if (vm != null) {
      vm.lastHeardMillis = clock.millis();
    }
    return vm != null;
  }

  /** The VM's stream broke or went silent: it stays listed, unreachable, and is no candidate. */
  synchronized void lost(String vmId, AgentStream stream) {
    VmRecord vm = current(vmId, stream);
    if (vm == null) {
      return;
    }
    vm.stream = null;
    vm.pendingStarts = 0;
    vm.unreachableSinceMillis = clock.millis();
    refresh(vm);
  }

  /**
   * The agent detached on purpose: it reports to its new concentrator now. Listed as unreachable
   * for the handover (see the class comment), then forgotten by the sweep.
   */
  synchronized void detach(String vmId, AgentStream stream) {
    VmRecord vm = current(vmId, stream);
    if (vm != null) {
      lost(vmId, stream);
      vm.forgetAtMillis = clock.millis() + settings.silenceLimit().toMillis();
    }
  }

  synchronized Candidates find(String user, String pool, int limit) {
    List<Candidate> candidates = new ArrayList<>();
    PoolIndex index = pools.get(pool);
    if (index != null) {
      for (VmRecord vm : index.leastLoaded(limit, ThreadLocalRandom.current())) {
        candidates.add(Candidate.newBuilder()
            .setVmId(vm.vmId)
            .setCapacity(vm.capacity)
            .setUsed(vm.used())
            .build());
      }
    }
    return new Candidates(candidates, sessionsLocked(user, pool), startInFlight(user, pool));
  }

  /**
   * Counts a start in flight on the VM, so it is not offered beyond its capacity meanwhile. Refuses
   * at once what the agent would, by the same {@link StartRule}, as far as this concentrator knows
   * the VM's state; the agent decides the rest.
   */
  synchronized Reservation reserveStart(String vmId, String user, String pool) {
    VmRecord vm = vms.get(vmId);
    if (vm == null || !vm.reachable()) {
      return Reservation.missing();
    }
    boolean userIsThere = vm.state.getSessionsList().stream().anyMatch(s -> s.getUser().equals(user));
    StartRefusal refusal = StartRule.refusal(vm.pool, pool, userIsThere, vm.state.getAccepting(), vm.used(),
        vm.capacity);
    if (refusal != null) {
      return Reservation.refused(refusal, refusal == StartRefusal.START_REFUSAL_WRONG_POOL
          ? "VM " + vmId + " is in pool " + vm.pool + ", not " + pool : "");
    }
    vm.pendingStarts++;
    startsInFlight.merge(userInPool(user, pool), 1, Integer::sum);
    refresh(vm);
    return Reservation.of(vm.stream);
  }

  /** True while a start reserved for the user in the pool has not finished. */
  synchronized boolean startInFlight(String user, String pool) {
    return startsInFlight.containsKey(userInPool(user, pool));
  }

  private static String userInPool(String user, String pool) {
    return user + '\u0000' + pool;
  }

  /**
   * A start reserved with {@link #reserveStart} got its answer (with the VM's state) or failed
   * (null). Called exactly once per reservation, even when the VM has gone meanwhile.
   */
  synchronized void startFinished(
      String vmId, String user, String pool, AgentStream stream, VmState stateAfter) {
    startsInFlight.computeIfPresent(userInPool(user, pool), (k, n) -> n > 1 ? n - 1 : null);
    VmRecord vm = current(vmId, stream);
    if (vm == null) {
      return;
    }
    vm.pendingStarts = Math.max(0, vm.pendingStarts - 1);
    if (stateAfter != null && stateAfter.getSequence() > vm.state.getSequence()) {
      replaceState(vm, stateAfter);
    }
    refresh(vm);
  }

  /** Where a session runs, if here and (when {@code user} is not empty) it is that user's. */
  synchronized SessionLocation locate(String sessionId, String user) {
    VmRecord vm = vmBySession.get(sessionId);
    if (vm == null) {
      return null;
    }
    for (Session s : vm.state.getSessionsList()) {
      if (s.getSessionId().equals(sessionId) && (user.isEmpty() || s.getUser().equals(user))) {
        return new SessionLocation(vm.vmId, vm.pool, vm.stream);
      }
    }
    return null;
  }

  /** The VMs of a listing, by VM id, and how many passed its filters, also those past its limit. */
  record Listing(List<VmView> vms, int matching) {}

  /**
   * The VMs that pass the request's filters, at most its limit of them: the first by VM id, kept
   * in a heap of that size, so a page of a large fleet costs O(VMs x log limit) and builds views
   * for the page only.
   */
  synchronized Listing list(ListVmsRequest request) {
    int limit = request.getLimit() == 0 ? Integer.MAX_VALUE : request.getLimit();
    PriorityQueue<VmRecord> first = new PriorityQueue<>(BY_ID.reversed());  // the greatest on top
    int matching = 0;
    for (VmRecord vm : vms.values()) {
      if (passes(vm, request)) {
        matching++;
        first.add(vm);
        if (first.size() > limit) {
          first.poll();
        }
      }
    }
    List<VmRecord> page = new ArrayList<>(first);
    page.sort(BY_ID);
    return new Listing(page.stream().map(this::view).toList(), matching);
  }

  private static boolean passes(VmRecord vm, ListVmsRequest request) {
    if (!request.getPool().isEmpty() && !vm.pool.equals(request.getPool())
        || request.getStatus() != VmStatus.VM_STATUS_UNSPECIFIED && vm.status() != request.getStatus()
        || request.getWithSessions() && vm.state.getSessionsCount() == 0) {
      return false;
    }
    String match = request.getMatch();
    return match.isEmpty() || contains(vm.vmId, match)
        || vm.state.getSessionsList().stream().anyMatch(session -> contains(session.getUser(), match));
  }

  /** Whether {@code part} is in {@code text}, in any case, without copying either. */
  private static boolean contains(String text, String part) {
    for (int i = 0; i + part.length() <= text.length(); i++) {
      if (text.regionMatches(true, i, part, 0, part.length())) {
        return true;
      }
    }
    return false;
  }

  private VmView view(VmRecord vm) {
    return VmView.newBuilder()
        .setVmId(vm.vmId)
        .setPool(vm.pool)
        .setStatus(vm.status())
        .setCapacity(vm.capacity)
        .addAllSessions(vm.state.getSessionsList())
        .setPendingStarts(vm.pendingStarts)
        .setConcentratorId(concentratorId)
        .setSequence(vm.state.getSequence())
        .setLastHeardMs(vm.lastHeardMillis)
        .build();
  }

  /** Sessions of {@code user} in {@code pool}; an empty argument matches all. */
  synchronized List<PlacedSession> sessions(String user, String pool) {
    if (!user.isEmpty()) {
      return sessionsLocked(user, pool);
    }
    List<PlacedSession> all = new ArrayList<>();
    for (VmRecord vm : vmBySession.values().stream().distinct().toList()) {
      for (Session s : vm.state.getSessionsList()) {
        if (pool.isEmpty() || s.getPool().equals(pool)) {
          all.add(placed(vm, s));
        }
      }
    }
    return all;
  }

  private List<PlacedSession> sessionsLocked(String user, String pool) {
    List<VmRecord> theirs = vmsByUser.get(user);
    if (theirs == null) {
      return List.of();
    }
    List<PlacedSession> found = new ArrayList<>();
    for (VmRecord vm : theirs.stream().distinct().toList()) {
      for (Session s : vm.state.getSessionsList()) {
        if (s.getUser().equals(user) && (pool.isEmpty() || s.getPool().equals(pool))) {
          found.add(placed(vm, s));
        }
      }
    }
    return found;
  }

  private PlacedSession placed(VmRecord vm, Session s) {
    return PlacedSession.newBuilder()
        .setSession(s)
        .setVmId(vm.vmId)
        .setConcentratorId(concentratorId)
        .setReachable(vm.reachable())
        .build();
  }

  /**
   * Marks VMs silent for longer than {@code silence} as unreachable and forgets unreachable ones
   * past the retention. Returns the streams of the newly silent VMs, for the caller to close.
   */
  synchronized List<AgentStream> sweep(Duration silence) {
    long now = clock.millis();
    long silenceLimit = silence.toMillis();
    long retention = settings.unreachableRetention().toMillis();
    List<VmRecord> silent = new ArrayList<>();
    List<VmRecord> expired = new ArrayList<>();
    for (VmRecord vm : vms.values()) {
      if (vm.reachable() && now - vm.lastHeardMillis > silenceLimit) {
        silent.add(vm);
      } else if (!vm.reachable() && (vm.forgetAtMillis > 0
          ? now >= vm.forgetAtMillis : now - vm.unreachableSinceMillis > retention)) {
        expired.add(vm);
      }
    }
    List<AgentStream> streams = new ArrayList<>(silent.size());
    for (VmRecord vm : silent) {
      streams.add(vm.stream);
      lost(vm.vmId, vm.stream);
    }
    expired.forEach(this::forget);
    return streams;
  }

  /** The counts of all pools together: O(pools). */
  synchronized Counts counts() {
    Map<VmStatus, Integer> byStatus = new EnumMap<>(VmStatus.class);
    for (VmStatus status : STATUSES) {
      byStatus.put(status, pools.values().stream().mapToInt(index -> index.count(status)).sum());
    }
    int unreachable = byStatus.get(VmStatus.VM_STATUS_UNREACHABLE);
    return new Counts(vms.size() - unreachable, unreachable, sessionCount, byStatus);
  }

  /**
   * Per pool with VMs listed here: its VMs by status, how many of them are in {@code maintenance},
   * and the sessions it can still start on the others. O(pools + maintenance), whatever the number
   * of VMs: the pool indexes keep the counts and the free slots as running sums, and each VM in
   * maintenance takes back the free slots it adds to its pool's.
   */
  synchronized List<PoolCounts> countByPool(Set<String> maintenance) {
    Map<String, PoolCounts.Builder> counts = new TreeMap<>();
    Map<String, Long> free = new HashMap<>();
    pools.forEach((pool, index) -> {
      if (index.vms() > 0) {
        counts.put(pool, PoolCounts.newBuilder()
            .setPool(pool)
            .setAvailable(index.count(VmStatus.VM_STATUS_AVAILABLE))
            .setInUse(index.count(VmStatus.VM_STATUS_IN_USE))
            .setPending(index.count(VmStatus.VM_STATUS_PENDING))
            .setDraining(index.count(VmStatus.VM_STATUS_DRAINING))
            .setUnreachable(index.count(VmStatus.VM_STATUS_UNREACHABLE)));
        free.put(pool, index.freeSlots());
      }
    });
    for (String vmId : maintenance) {
      VmRecord vm = vms.get(vmId);
      if (vm != null) {
        PoolCounts.Builder pool = counts.get(vm.pool);
        pool.setInMaintenance(pool.getInMaintenance() + 1);
        free.merge(vm.pool, (long) -vm.indexFreeSlots, Long::sum);
      }
    }
    List<PoolCounts> answer = new ArrayList<>(counts.size());
    counts.forEach((pool, builder) ->
        answer.add(builder.setFreeSlots((int) Math.min(free.get(pool), Integer.MAX_VALUE)).build()));
    return answer;
  }

  /**
   * Pool -> the sessions its candidate VMs here can still take, starts in flight counted as used.
   * Read from the pool indexes' running sums: O(pools), whatever the number of VMs, since brokers
   * ask for it with every health poll. Pools whose VMs are all gone or full answer 0.
   */
  synchronized Map<String, Long> freeSlotsByPool() {
    Map<String, Long> free = new HashMap<>();
    pools.forEach((pool, index) -> free.put(pool, index.freeSlots()));
    return free;
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  private VmRecord current(String vmId, AgentStream stream) {
    VmRecord vm = vms.get(vmId);
    return vm != null && vm.stream == stream && stream != null ? vm : null;
  }

  private PoolIndex poolIndex(String pool) {
    return pools.computeIfAbsent(pool, p -> new PoolIndex());
  }

  /** Brings the pool's index (candidates, status counts) in line with the record. */
  private void refresh(VmRecord vm) {
    poolIndex(vm.pool).update(vm);
  }

  private void forget(VmRecord vm) {
    replaceState(vm, VmState.getDefaultInstance());
    poolIndex(vm.pool).remove(vm);
    vms.remove(vm.vmId);
  }

  /** The ends this concentrator's VMs reported, for brokers to record. */
  EndJournal ends() {
    return ends;
  }

  /**
   * Swaps the VM's state and moves its sessions in the session indexes accordingly; the ends it
   * reports that the previous state did not go to the journal.
   */
  private void replaceState(VmRecord vm, VmState next) {
    if (next.getRecentEndsCount() > 0) {
      Set<String> known = new HashSet<>();
      vm.state.getRecentEndsList().forEach(e -> known.add(e.getSessionId()));
      next.getRecentEndsList().stream().filter(e -> !known.contains(e.getSessionId()))
          .forEach(e -> ends.add(vm.vmId, e));
    }
    for (Session s : vm.state.getSessionsList()) {
      vmBySession.remove(s.getSessionId(), vm);
      List<VmRecord> theirs = vmsByUser.get(s.getUser());
      if (theirs != null) {
        theirs.remove(vm);
        if (theirs.isEmpty()) {
          vmsByUser.remove(s.getUser());
        }
      }
      sessionCount--;
    }
    vm.state = next;
    for (Session s : next.getSessionsList()) {
      vmBySession.put(s.getSessionId(), vm);
      vmsByUser.computeIfAbsent(s.getUser(), u -> new ArrayList<>(1)).add(vm);
      sessionCount++;
    }
  }
}
