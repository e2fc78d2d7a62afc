package io.shardbroker.broker;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.CountVmsRequest;
import io.shardbroker.protocol.v1.CountVmsResponse;
import io.shardbroker.protocol.v1.EndResult;
import io.shardbroker.protocol.v1.EndSessionRequest;
import io.shardbroker.protocol.v1.EndSessionResponse;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.ListVmsResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.PoolCounts;
import io.shardbroker.protocol.v1.PoolFreeSlots;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.SessionPolicy;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.VmView;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A concentrator that answers brokers from a small table of VMs, served over in-process gRPC. It
 * plays the agents' part too: a start succeeds while the VM has room, unless the test marked the
 * VM as refusing. Tests can make it unavailable to stand for a dead concentrator, and hold the
 * first FindCandidates calls until several have arrived, to make brokers race.
 */
final class FakeConcentrator extends ConcentratorGrpc.ConcentratorImplBase implements AutoCloseable {

  /** One VM; fields guarded by the fake's monitor. */
  static final class Vm {
    final String id;
    final String pool;
    final int capacity;
    final List<Session> sessions = new ArrayList<>();
    boolean refuses;
    /** False: its agent is not heard from; its sessions are listed as not reachable. */
    boolean reachable = true;
    /** How many more FindCandidates calls do not offer it (it attaches late). */
    int hiddenFromFinds;

    Vm(String id, String pool, int capacity) {
      this.id = id;
      this.pool = pool;
      this.capacity = capacity;
    }
  }

  private static final Duration GATE_LIMIT = Duration.ofSeconds(5);

  final String id;
  final String setId;
  private final Server server;
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  volatile boolean unavailable;
  /** Says it has just started, so its view may lack VMs on their way back. */
  volatile boolean warmingUp;
  /** The heartbeat interval its health answers say it asks of its agents; 0 says nothing. */
  volatile int heartbeatIntervalMs;
  /** Says a start for whoever asks is being decided here. */
  volatile boolean startInFlight;
  /** Starts sessions but dies before answering: the broker sees UNAVAILABLE. */
  volatile boolean losesStartAnswers;
  /** Starts sessions but then loses the VM's stream: answers "outcome unknown", forgets the VM. */
  volatile boolean losesAgentStreams;
  final List<String> startsTried = new CopyOnWriteArrayList<>();
  /** Every StartSession call, in order. */
  final List<StartCall> starts = new CopyOnWriteArrayList<>();
  final AtomicInteger findCalls = new AtomicInteger();
  private final AtomicInteger sessionsStarted = new AtomicInteger();
  private final Set<String> knownRequestIds = ConcurrentHashMap.newKeySet();
  private volatile CountDownLatch findGate;
  private final AtomicInteger findsHeld = new AtomicInteger();

  /** One StartSession call as the fake received it; {@code policy} is null when the start had none. */
  record StartCall(String user, String pool, String vmId, String requestId, SessionPolicy policy) {}

  FakeConcentrator(String id, String setId) throws IOException {
    this.id = id;
    this.setId = setId;
    this.server = InProcessServerBuilder.forName(address()).addService(this).build().start();
  }

  String address() {
    return "fake-" + id;
  }

  synchronized Vm addVm(String vmId, String pool, int capacity) {
    Vm vm = new Vm(vmId, pool, capacity);
    vms.put(vmId, vm);
    return vm;
  }

  synchronized void addSession(String vmId, String sessionId, String user) {
    Vm vm = vms.get(vmId);
    vm.sessions.add(session(sessionId, user, vm.pool, "earlier"));
  }

  /** A session of {@code user} on the VM whose desktop is reached at {@code connection}. */
  synchronized void addSession(String vmId, String sessionId, String user, Connection connection) {
    Vm vm = vms.get(vmId);
    vm.sessions.add(session(sessionId, user, vm.pool, "earlier").toBuilder().setConnection(connection).build());
  }

  synchronized int sessionsOn(String vmId) {
    return vms.get(vmId).sessions.size();
  }

  synchronized boolean has(String vmId) {
    return vms.containsKey(vmId);
  }

  /** The VM's agent starts refusing (or accepting again). */
  synchronized void setRefuses(String vmId, boolean refuses) {
    vms.get(vmId).refuses = refuses;
  }

  /** The VM's agent goes away: the VM is no longer attached here. */
  synchronized void removeVm(String vmId) {
    vms.remove(vmId);
  }

  /** The VMs a start for {@code user} was asked on, in order. */
  List<String> startsOf(String user) {
    return starts.stream().filter(s -> s.user().equals(user)).map(StartCall::vmId).toList();
  }

  /**
   * Holds each of the next {@code calls} FindCandidates calls until all of them have arrived (at
   * most {@link #GATE_LIMIT}), so that brokers asking at nearly the same time see the same VMs free.
   */
  void holdFinds(int calls) {
    findGate = new CountDownLatch(calls);
  }

  /** FindCandidates calls waiting at the gate of {@link #holdFinds} now. */
  int findsHeld() {
    return findsHeld.get();
  }

  private boolean failIfUnavailable(StreamObserver<?> responses) {
    if (unavailable) {
      responses.onError(Status.UNAVAILABLE.withDescription("fake " + id + " is down").asRuntimeException());
    }
    return unavailable;
  }

  @Override
  public void findCandidates(
      FindCandidatesRequest request, StreamObserver<FindCandidatesResponse> responses) {
    CountDownLatch gate = findGate;
    if (gate != null && gate.getCount() > 0) {
      gate.countDown();
      findsHeld.incrementAndGet();
      try {
        gate.await(GATE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        findsHeld.decrementAndGet();
      }
    }
    answerFind(request, responses);
  }

  private synchronized void answerFind(
      FindCandidatesRequest request, StreamObserver<FindCandidatesResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    findCalls.incrementAndGet();
    FindCandidatesResponse.Builder answer =
        FindCandidatesResponse.newBuilder().setConcentratorId(id).setWarmingUp(warmingUp)
            .setStartInFlight(startInFlight);
    for (Vm vm : vms.values()) {
      if (!vm.pool.equals(request.getPool())) {
        continue;
      }
      for (Session s : vm.sessions) {
        if (s.getUser().equals(request.getUser())) {
          answer.addExistingSessions(placed(vm, s));
        }
      }
      if (vm.hiddenFromFinds > 0) {
        vm.hiddenFromFinds--;
        continue;
      }
      if (vm.sessions.size() < vm.capacity && answer.getCandidatesCount() < request.getLimit()) {
        answer.addCandidates(Candidate.newBuilder()
            .setVmId(vm.id).setCapacity(vm.capacity).setUsed(vm.sessions.size()));
      }
    }
    responses.onNext(answer.build());
    responses.onCompleted();
  }

  @Override
  public synchronized void startSession(
      StartSessionRequest request, StreamObserver<StartSessionResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    startsTried.add(request.getVmId());
    starts.add(new StartCall(request.getUser(), request.getPool(), request.getVmId(), request.getRequestId(),
        request.hasPolicy() ? request.getPolicy() : null));
    knownRequestIds.add(request.getRequestId());
    Vm vm = vms.get(request.getVmId());
    StartSessionResponse.Builder answer = StartSessionResponse.newBuilder();
    Session mine = vm == null ? null : vm.sessions.stream()
        .filter(s -> s.getUser().equals(request.getUser()) && s.getPool().equals(request.getPool()))
        .findFirst().orElse(null);
    if (vm == null || !vm.reachable) {
      answer.setResult(StartResult.START_RESULT_VM_NOT_ATTACHED).setReason("not here");
    } else if (mine != null) {
      // as an agent does: the user's session back, with a fresh ticket
      answer.setResult(StartResult.START_RESULT_STARTED).setExisting(true).setSession(mine.toBuilder()
          .setConnection(mine.getConnection().toBuilder().setTicket("ticket-" + request.getRequestId())));
    } else if (vm.refuses || vm.sessions.size() >= vm.capacity) {
      answer.setResult(StartResult.START_RESULT_REFUSED).setReason("full");
    } else {
      Session s = session("s-" + vm.id + "-" + sessionsStarted.incrementAndGet(), request.getUser(),
          vm.pool, request.getRequestId());
      vm.sessions.add(s);
      answer.setResult(StartResult.START_RESULT_STARTED).setSession(s);
    }
    if (losesAgentStreams && answer.getResult() == StartResult.START_RESULT_STARTED) {
      answer.clearSession().setResult(StartResult.START_RESULT_OUTCOME_UNKNOWN).setReason("stream ended");
      vms.remove(vm.id);
    }
    if (losesStartAnswers) {
      responses.onError(Status.UNAVAILABLE.withDescription("fake " + id + " died mid-call").asRuntimeException());
      return;
    }
    responses.onNext(answer.build());
    responses.onCompleted();
  }

  @Override
  public synchronized void endSession(
      EndSessionRequest request, StreamObserver<EndSessionResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    for (Vm vm : vms.values()) {
      boolean removed = vm.sessions.removeIf(s -> s.getSessionId().equals(request.getSessionId())
          && (request.getUser().isEmpty() || s.getUser().equals(request.getUser())));
      if (removed) {
        responses.onNext(EndSessionResponse.newBuilder().setResult(EndResult.END_RESULT_ENDED)
            .setVmId(vm.id).setPool(vm.pool).build());
        responses.onCompleted();
        return;
      }
    }
    responses.onNext(EndSessionResponse.newBuilder().setResult(EndResult.END_RESULT_NOT_FOUND)
        .setWarmingUp(warmingUp).build());
    responses.onCompleted();
  }

  @Override
  public synchronized void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    // As a concentrator filters: pool, status, a part of the id or a user in any case, with sessions
    String match = request.getMatch().toLowerCase(Locale.ROOT);
    List<VmView> passed = new ArrayList<>();
    for (Vm vm : vms.values()) {
      VmStatus status = status(vm);
      if ((request.getPool().isEmpty() || request.getPool().equals(vm.pool))
          && (request.getStatus() == VmStatus.VM_STATUS_UNSPECIFIED || request.getStatus() == status)
          && (!request.getWithSessions() || !vm.sessions.isEmpty())
          && (vm.id.toLowerCase(Locale.ROOT).contains(match)
              || vm.sessions.stream().anyMatch(s -> s.getUser().toLowerCase(Locale.ROOT).contains(match)))) {
        passed.add(VmView.newBuilder().setVmId(vm.id).setPool(vm.pool).setStatus(status)
            .setCapacity(vm.capacity).addAllSessions(vm.sessions).setConcentratorId(id).build());
      }
    }
    passed.sort(Comparator.comparing(VmView::getVmId));
    int limit = request.getLimit() == 0 ? passed.size() : Math.min(request.getLimit(), passed.size());
    responses.onNext(ListVmsResponse.newBuilder().setConcentratorId(id)
        .addAllVms(passed.subList(0, limit)).setMatching(passed.size()).build());
    responses.onCompleted();
  }

  @Override
  public synchronized void countVms(CountVmsRequest request, StreamObserver<CountVmsResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    Set<String> maintenance = Set.copyOf(request.getMaintenanceVmIdsList());
    Map<String, PoolCounts.Builder> pools = new LinkedHashMap<>();
    for (Vm vm : vms.values()) {
      PoolCounts.Builder pool = pools.computeIfAbsent(vm.pool, p -> PoolCounts.newBuilder().setPool(p));
      switch (status(vm)) {
        case VM_STATUS_AVAILABLE -> pool.setAvailable(pool.getAvailable() + 1);
        case VM_STATUS_IN_USE -> pool.setInUse(pool.getInUse() + 1);
        default -> pool.setUnreachable(pool.getUnreachable() + 1);
      }
      if (maintenance.contains(vm.id)) {
        pool.setInMaintenance(pool.getInMaintenance() + 1);
      } else {
        pool.setFreeSlots(pool.getFreeSlots() + room(vm));
      }
    }
    CountVmsResponse.Builder answer = CountVmsResponse.newBuilder().setConcentratorId(id);
    pools.values().forEach(answer::addPools);
    responses.onNext(answer.build());
    responses.onCompleted();
  }

  /** As a concentrator has it, for the few states this fake's VMs can be in. */
  private static VmStatus status(Vm vm) {
    if (!vm.reachable) {
      return VmStatus.VM_STATUS_UNREACHABLE;
    }
    return vm.sessions.isEmpty() ? VmStatus.VM_STATUS_AVAILABLE : VmStatus.VM_STATUS_IN_USE;
  }

  /** The sessions the VM can still take, as its free slots. */
  private static int room(Vm vm) {
    return vm.reachable && !vm.refuses ? Math.max(0, vm.capacity - vm.sessions.size()) : 0;
  }

  @Override
  public synchronized void listSessions(
      ListSessionsRequest request, StreamObserver<ListSessionsResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    ListSessionsResponse.Builder answer = ListSessionsResponse.newBuilder().setWarmingUp(warmingUp)
        .setStartInFlight(startInFlight);
    for (Vm vm : vms.values()) {
      if (!request.getPool().isEmpty() && !request.getPool().equals(vm.pool)) {
        continue;
      }
      for (Session s : vm.sessions) {
        if (request.getUser().isEmpty() || s.getUser().equals(request.getUser())) {
          answer.addSessions(placed(vm, s));
        }
      }
    }
    responses.onNext(answer.build());
    responses.onCompleted();
  }

  @Override
  public synchronized void health(HealthRequest request, StreamObserver<HealthResponse> responses) {
    if (failIfUnavailable(responses)) {
      return;
    }
    Map<String, Integer> free = new LinkedHashMap<>();
    for (Vm vm : vms.values()) {
      free.merge(vm.pool, room(vm), Integer::sum);
    }
    HealthResponse.Builder health = HealthResponse.newBuilder()
        .setConcentratorId(id).setSetId(setId).setAttachedVms(vms.size())
        .setHeartbeatIntervalMs(heartbeatIntervalMs);
    free.forEach((pool, slots) -> health.addFreeSlots(
        PoolFreeSlots.newBuilder().setPool(pool).setFreeSlots(slots)));
    responses.onNext(health.build());
    responses.onCompleted();
  }

  private PlacedSession placed(Vm vm, Session s) {
    return PlacedSession.newBuilder().setSession(s).setVmId(vm.id).setConcentratorId(id)
        .setReachable(vm.reachable).build();
  }

  private static Session session(String id, String user, String pool, String requestId) {
    return Session.newBuilder()
        .setSessionId(id).setUser(user).setPool(pool).setRequestId(requestId)
        .setStartedAtMs(1_700_000_000_000L)
        .setConnection(Connection.newBuilder().setProtocol("rdp").setHost(id + ".test").setPort(3389))
        .build();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
