package io.shardbroker.broker;

import com.google.common.util.concurrent.ListenableFuture;
import io.shardbroker.broker.BrokerException.Kind;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.ConcentratorGrpc.ConcentratorFutureStub;
import io.shardbroker.protocol.v1.EndResult;
import io.shardbroker.protocol.v1.EndSessionRequest;
import io.shardbroker.protocol.v1.EndSessionResponse;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.ListVmsResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.protocol.v1.VmStatus;
import io.shardbroker.protocol.v1.VmView;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brokers sessions the way DESIGN.md describes: pick a set, ask all its concentrators at once
 * for candidates, choose, start on the owning concentrator, move on when an agent refuses, fall
 * back to the next set when one fails or has nothing.
 *
 * <p>Choosing: a session the user already has in the pool wins (reconnect). Otherwise the least
 * loaded candidate, ties broken at random so that concurrent requests spread instead of colliding
 * on one VM. The agent decides every start, so a collision costs a refusal, never a double
 * assignment.
 *
 * <p>Requests of one user for one pool are serialised in this broker, so two concurrent requests
 * cannot each start a desktop: the second one finds the first one's session and reconnects.
 *
 * <p>Thread-safe; called from many request threads (virtual threads: the calls here block).
 */
final class SessionBroker {

  private static final Logger log = LoggerFactory.getLogger(SessionBroker.class);
  /** Scatters per set before moving on, when every candidate of a round was refused. */
  private static final int ROUNDS_PER_SET = 3;
  private static final int USER_LOCK_STRIPES = 1024;

  private final BrokerSettings settings;
  private final ConcentratorDirectory directory;
  private final BrokerMetrics metrics;
  private final Clock clock;
  private final Set<String> pools;
  private final ReentrantLock[] userLocks = new ReentrantLock[USER_LOCK_STRIPES];

  SessionBroker(
      BrokerSettings settings, ConcentratorDirectory directory, BrokerMetrics metrics, Clock clock) {
    this.settings = settings;
    this.directory = directory;
    this.metrics = metrics;
    this.clock = clock;
    this.pools = Set.copyOf(settings.pools());
    for (int i = 0; i < USER_LOCK_STRIPES; i++) {
      userLocks[i] = new ReentrantLock();
    }
  }

  /** A candidate VM and the concentrator that owns it. */
  private record Offer(Candidate candidate, Member owner, double load, long tieBreak) {}

  /** Gives the user a session in the pool: their existing one, or a new one. */
  BrokeredSession openSession(String user, String pool, String requestId) {
    if (!pools.contains(pool)) {
      throw new BrokerException(Kind.UNKNOWN_POOL, "there is no pool named '" + pool + "'");
    }
    ReentrantLock lock = userLocks[Math.floorMod((user + '\0' + pool).hashCode(), USER_LOCK_STRIPES)];
    lock.lock();
    try {
      return brokerLocked(user, pool, requestId);
    } finally {
      lock.unlock();
    }
  }

  private BrokeredSession brokerLocked(String user, String pool, String requestId) {
    long giveUpAt = clock.millis() + settings.timeouts().request().toMillis();
    boolean anySetAnswered = false;
    int attempts = 0;
    List<SetView> order = directory.orderFor(user);
    for (int s = 0; s < order.size(); s++) {
      SetView set = order.get(s);
      if (s > 0) {
        metrics.setFallback();
        log.info("[{}] falling back to set {}", requestId, set.id());
      }
      for (int round = 0; round < ROUNDS_PER_SET; round++) {
        if (attempts >= settings.maxStartAttempts() || clock.millis() >= giveUpAt) {
          break;
        }
        Found found = find(set, user, pool, requestId);
        if (found.answered == 0) {
          break;  // the whole set failed to answer: next set
        }
        anySetAnswered = true;
        if (!found.existing.isEmpty()) {
          PlacedSession mine = found.existing.stream()
              .max(Comparator.comparing(PlacedSession::getReachable))
              .orElseThrow();
          log.info("[{}] {} already has session {} in {} on {}", requestId, user,
              mine.getSession().getSessionId(), pool, mine.getVmId());
          return new BrokeredSession(mine.getSession(), mine.getVmId(), set.id(),
              mine.getConcentratorId(), true, mine.getReachable());
        }
        if (found.offers.isEmpty()) {
          break;  // nothing free in this set: another set may know better
        }
        for (Offer offer : found.offers) {
          if (attempts >= settings.maxStartAttempts() || clock.millis() >= giveUpAt) {
            break;
          }
          attempts++;
          BrokeredSession started = start(set, offer, user, pool, requestId);
          if (started != null) {
            return started;
          }
          metrics.refusedStart();
        }
      }
    }
    if (!anySetAnswered) {
      throw new BrokerException(Kind.NO_SET_REACHABLE,
          "no concentrator set could be reached; try again shortly");
    }
    throw new BrokerException(Kind.POOL_EXHAUSTED,
        "no desktop is free in pool '" + pool + "' right now; try again shortly");
  }

  /** What one set said: candidates ordered for trying, the user's sessions, how many answered. */
  private record Found(List<Offer> offers, Collection<PlacedSession> existing, int answered) {}

  private Found find(SetView set, String user, String pool, String requestId) {
    FindCandidatesRequest request = FindCandidatesRequest.newBuilder()
        .setRequestId(requestId)
        .setUser(user)
        .setPool(pool)
        .setLimit(settings.candidatesPerConcentrator())
        .build();
    List<Reply<FindCandidatesResponse>> replies =
        directory.scatter(set, settings.timeouts().find(), stub -> stub.findCandidates(request));
    List<Offer> offers = new ArrayList<>();
    Map<String, PlacedSession> existing = new LinkedHashMap<>();
    int answered = 0;
    for (Reply<FindCandidatesResponse> reply : replies) {
      if (!reply.ok()) {
        log.info("[{}] concentrator {} did not answer: {}", requestId, reply.member().id(),
            reply.failure());
        continue;
      }
      answered++;
      for (Candidate c : reply.value().getCandidatesList()) {
        offers.add(new Offer(c, reply.member(), (double) c.getUsed() / Math.max(1, c.getCapacity()),
            ThreadLocalRandom.current().nextLong()));
      }
      for (PlacedSession p : reply.value().getExistingSessionsList()) {
        existing.merge(p.getSession().getSessionId(), p, (a, b) -> a.getReachable() ? a : b);
      }
    }
    offers.sort(Comparator.comparingDouble(Offer::load).thenComparingLong(Offer::tieBreak));
    return new Found(offers, existing.values(), answered);
  }

  /** Tries one candidate; the session, or null when it cannot be had (the caller moves on). */
  private BrokeredSession start(SetView set, Offer offer, String user, String pool, String requestId) {
    String vmId = offer.candidate().getVmId();
    StartSessionRequest request = StartSessionRequest.newBuilder()
        .setRequestId(requestId)
        .setUser(user)
        .setPool(pool)
        .setVmId(vmId)
        .build();
    Reply<StartSessionResponse> reply =
        directory.ask(offer.owner(), settings.timeouts().start(), stub -> stub.startSession(request));
    if (!reply.ok()) {
      log.info("[{}] start on {} via {} failed: {}", requestId, vmId, offer.owner().id(),
          reply.failure());
      return null;
    }
    StartSessionResponse response = reply.value();
    if (response.getResult() != StartResult.START_RESULT_STARTED) {
      log.info("[{}] {} on {}: {}", requestId, response.getResult(), vmId, response.getReason());
      return null;
    }
    log.info("[{}] {} session {} for {} on {} via {}", requestId,
        response.getExisting() ? "reconnected to" : "started", response.getSession().getSessionId(),
        user, vmId, offer.owner().id());
    return new BrokeredSession(response.getSession(), vmId, set.id(), offer.owner().id(),
        response.getExisting(), true);
  }

  /** The user's sessions, as the first set that answers sees them. */
  List<PlacedSession> sessionsOf(String user) {
    ListSessionsRequest request = ListSessionsRequest.newBuilder().setUser(user).build();
    Answered<ListSessionsResponse> answered = firstAnswering(directory.orderFor(user),
        stub -> stub.listSessions(request));
    Map<String, PlacedSession> merged = new LinkedHashMap<>();
    for (Reply<ListSessionsResponse> reply : answered.replies()) {
      if (reply.ok()) {
        for (PlacedSession p : reply.value().getSessionsList()) {
          merged.merge(p.getSession().getSessionId(), p, (a, b) -> a.getReachable() ? a : b);
        }
      }
    }
    return merged.values().stream()
        .sorted(Comparator.comparingLong(p -> p.getSession().getStartedAtMs()))
        .toList();
  }

  /** Ends one of the user's sessions; only the concentrator that owns its VM acts on it. */
  void endSession(String user, String sessionId, String requestId) {
    EndSessionRequest request = EndSessionRequest.newBuilder()
        .setRequestId(requestId)
        .setSessionId(sessionId)
        .setUser(user)
        .build();
    boolean anyAnswered = false;
    String failure = null;
    for (SetView set : directory.orderFor(user)) {
      List<Reply<EndSessionResponse>> replies =
          directory.scatter(set, settings.timeouts().end(), stub -> stub.endSession(request));
      boolean wholeSetAnswered = true;
      for (Reply<EndSessionResponse> reply : replies) {
        if (!reply.ok()) {
          wholeSetAnswered = false;
          continue;
        }
        anyAnswered = true;
        EndSessionResponse response = reply.value();
        if (response.getResult() == EndResult.END_RESULT_ENDED) {
          log.info("[{}] ended session {} of {} via {}", requestId, sessionId, user, reply.member().id());
          return;
        }
        if (response.getResult() == EndResult.END_RESULT_FAILED) {
          failure = response.getReason();
        }
      }
      if (wholeSetAnswered && replies.size() == set.members().size() && failure == null) {
        break;  // every concentrator of a set said it does not know the session
      }
    }
    if (failure != null) {
      throw new BrokerException(Kind.END_FAILED, "the session could not be ended: " + failure);
    }
    if (!anyAnswered) {
      throw new BrokerException(Kind.NO_SET_REACHABLE, "no concentrator set could be reached; try again shortly");
    }
    throw new BrokerException(Kind.SESSION_NOT_FOUND, "you have no session with id '" + sessionId + "'");
  }

  /** The VMs as one set sees them: the named set, or the first that answers. */
  VmListing listVms(String setId, String pool, VmStatus status) {
    List<SetView> candidates;
    if (setId == null || setId.isEmpty()) {
      candidates = directory.orderFor("");
    } else {
      SetView set = directory.set(setId);
      if (set == null) {
        throw new BrokerException(Kind.BAD_REQUEST, "there is no set named '" + setId + "'");
      }
      candidates = List.of(set);
    }
    ListVmsRequest request = ListVmsRequest.newBuilder()
        .setPool(pool == null ? "" : pool)
        .setStatus(status)
        .build();
    Answered<ListVmsResponse> answered = firstAnswering(candidates, stub -> stub.listVms(request));
    Map<String, VmView> merged = new LinkedHashMap<>();
    for (Reply<ListVmsResponse> reply : answered.replies()) {
      if (reply.ok()) {
        for (VmView vm : reply.value().getVmsList()) {
          // After a re-home the old concentrator may still list the VM as unreachable.
          merged.merge(vm.getVmId(), vm,
              (a, b) -> a.getStatus() == VmStatus.VM_STATUS_UNREACHABLE ? b : a);
        }
      }
    }
    List<VmView> vms = merged.values().stream().sorted(Comparator.comparing(VmView::getVmId)).toList();
    boolean complete = answered.replies().stream().allMatch(Reply::ok);
    return new VmListing(answered.set().id(), complete, vms);
  }

  /** The replies of the first set in {@code order} where some concentrator answered. */
  private record Answered<T>(SetView set, List<Reply<T>> replies) {}

  private <T> Answered<T> firstAnswering(
      List<SetView> order, Function<ConcentratorFutureStub, ListenableFuture<T>> call) {
    for (SetView set : order) {
      List<Reply<T>> replies = directory.scatter(set, settings.timeouts().list(), call);
      if (replies.stream().anyMatch(Reply::ok)) {
        return new Answered<>(set, replies);
      }
    }
    throw new BrokerException(Kind.NO_SET_REACHABLE, "no concentrator set could be reached; try again shortly");
  }

  /** VMs as a set sees them; {@code complete} is false when some of its concentrators did not answer. */
  record VmListing(String setId, boolean complete, List<VmView> vms) {}
}
