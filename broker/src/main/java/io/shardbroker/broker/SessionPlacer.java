package io.shardbroker.broker;

import io.grpc.Status;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.Scatter;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.broker.SessionsSeen.Seen;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.SessionPolicy;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.store.Assignment;
import io.shardbroker.store.Pool;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places a user's session, the way docs/design.md, "The flow", describes: pick a set, ask all its
 * concentrators at once for candidates, choose, start on the owning concentrator, move on when an
 * agent refuses, fall back to the next set when one fails or has nothing. (An experimental
 * {@link CandidateSearch} asks only a sample of the set's concentrators instead, and may then
 * miss a user's session.) The choosing rules are here too, at the top: which set a user's
 * requests try first ({@link #setsFor}), and which VM of a set's offers (docs/design.md,
 * "Choosing").
 *
 * <p>First the store says whether the user may use the pool (a refusal is {@code 403}). Choosing:
 * a session the user already has in the pool wins (reconnect). In a floating pool, the least
 * loaded candidate, ties broken at random so that concurrent requests spread instead of colliding
 * on one VM; the agent decides every start, so a collision costs a refusal, never a double
 * assignment. In a dedicated pool, the user's own VM; a user without one claims a free
 * unassigned VM in the store (durably, before the start) and keeps it for good. VMs in
 * maintenance get no new sessions.
 *
 * <p>Requests of one user for one pool are serialised ({@link UserPoolLocks}: in this broker, and
 * across brokers when they share a store), so two concurrent requests cannot each start a desktop:
 * the second one finds the first one's session and reconnects.
 * Every outcome goes to the session history, which the store writes in the background.
 *
 * <p>Thread-safe; called from many request threads (virtual threads: the calls here block).
 */
final class SessionPlacer {

  private static final Logger log = LoggerFactory.getLogger(SessionPlacer.class);
  /** Scatters per set before moving on, when every candidate of a round was refused. */
  private static final int ROUNDS_PER_SET = 3;
  /** Candidates asked per concentrator in a dedicated pool, where many free VMs belong to others. */
  private static final int DEDICATED_CANDIDATES = 64;

  private final BrokerSettings settings;
  private final ConcentratorDirectory directory;
  private final Store store;
  private final DrainedVms drained;
  private final BrokerMetrics metrics;
  private final Clock clock;
  private final UserPoolLocks userLocks;
  private final Vouching vouching;
  private final LostStarts lostStarts;

  SessionPlacer(
      BrokerSettings settings, ConcentratorDirectory directory, Store store, DrainedVms drained,
      BrokerMetrics metrics, Clock clock, ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.directory = directory;
    this.store = store;
    this.drained = drained;
    this.metrics = metrics;
    this.clock = clock;
    this.userLocks = new UserPoolLocks(store.shared() ? store.brokeringLocks() : null,
        settings.brokerId(), clock, scheduler);
    this.vouching = new Vouching(directory, settings.timeouts().rehome());
    this.lostStarts = new LostStarts(directory, settings.timeouts().start());
  }

  // ---- the choosing rules ------------------------------------------------------------------

  /**
   * The sets in the order this user's requests try them: the user's home set first (a hash of the
   * name, so a user's requests meet the same set and find their session there at once, and users
   * spread evenly), then the others; sets with no member up go last. Listing and ending a user's
   * sessions follow the same order.
   */
  static List<SetView> setsFor(ConcentratorDirectory directory, String user) {
    return directory.upFirst(homeSetIndex(user, directory.sets().size()));
  }

  /** Index of the user's home set among {@code sets} sets. */
  static int homeSetIndex(String user, int sets) {
    return Math.floorMod(user.hashCode() * 0x9E3779B9, sets);
  }

  /**
   * The offers of a set in the order to try them: least loaded first, ties broken at random so
   * that concurrent requests spread instead of colliding on one VM.
   */
  private static final Comparator<Offer> TRY_ORDER =
      Comparator.comparingDouble(Offer::load).thenComparingLong(Offer::tieBreak);

  /** False for a VM in maintenance, and for a used VM of a single-session pool. */
  private boolean mayTake(Offer offer, Pool pool) {
    if (pool.sessionMode() == Pool.SessionMode.SINGLE && offer.candidate().getUsed() > 0) {
      return false;
    }
    return !drained.contains(offer.vmId());
  }

  /** A candidate VM and the concentrator that owns it. */
  private record Offer(Candidate candidate, Member owner, double load, long tieBreak) {
    String vmId() {
      return candidate.getVmId();
    }
  }

  /** What placing in one set came to: a session, or null and whether another round may help. */
  private record Placement(BrokeredSession session, boolean tryAgain) {
    static final Placement NOTHING_HERE = new Placement(null, false);
    static final Placement ALL_REFUSED = new Placement(null, true);
  }

  /** One session request on its way through the sets. */
  private record Request(String user, Pool pool, String requestId, Budget budget, List<SetView> order) {}

  /** Gives the user a session in the pool: their existing one, or a new one. */
  BrokeredSession openSession(String user, String poolName, String requestId) {
    try {
      Optional<Pool> entitled = poolName.codePoints().anyMatch(Character::isISOControl)
          ? Optional.empty()  // no pool is named so; PostgreSQL would not even take the query
          : store.entitlements().entitledPool(user, poolName);
      Pool pool = entitled.orElseThrow(() ->
          new BrokerException(Reason.NOT_ENTITLED, "you may not use a pool named '" + poolName + "'"));
      Budget budget = new Budget(clock, settings.timeouts().request(), settings.maxStartAttempts());
      BrokeredSession session;
      try (UserPoolLocks.Held held = userLocks.lock(user, poolName, budget.left())) {
        session = broker(new Request(user, pool, requestId, budget, setsFor(directory, user)));
      }
      record(session.reconnected() ? SessionEvent.Kind.RECONNECT : SessionEvent.Kind.START, user,
          poolName, session.vmId(), session.session().getSessionId(), requestId, null);
      return session;
    } catch (BrokerException e) {
      record(SessionEvent.Kind.REFUSAL, user, poolName, null, null, requestId, e.kind().code());
      throw e;
    } catch (StoreException e) {
      record(SessionEvent.Kind.REFUSAL, user, poolName, null, null, requestId, "store_unavailable");
      throw e;
    }
  }

  /**
   * Tries the sets in the user's order. The first set's candidates are asked for together with
   * the user's sessions in the second set, so that one set's blind spot (a concentrator down or
   * restarting, a VM between two concentrators) does not hide a session the user already has.
   */
  private BrokeredSession broker(Request r) {
    boolean dedicated = r.pool().kind() == Pool.Kind.DEDICATED;
    boolean anySetAnswered = false;
    boolean unvouched = false;
    SessionsSeen seen = new SessionsSeen();
    Scatter<ListSessionsResponse> crossCheck = r.order().size() > 1 ? askSessions(r.order().get(1), r) : null;
    for (int s = 0; s < r.order().size(); s++) {
      SetView set = r.order().get(s);
      if (s > 0) {
        metrics.setFallback();
        log.info("[{}] falling back to set {}", r.requestId(), set.id());
      }
      for (int round = 0; round < ROUNDS_PER_SET && !r.budget().spent(); round++) {
        Found found = find(set, dedicated ? DEDICATED_CANDIDATES : settings.candidatesPerConcentrator(), r, seen);
        if (crossCheck != null) {
          addSessions(crossCheck, r, seen);
          crossCheck = null;
        }
        if (found.answered == 0) {
          break;  // the whole set failed to answer: next set
        }
        anySetAnswered = true;
        BrokeredSession resumed = seen.any() ? resume(seen, r) : null;
        if (resumed != null) {
          return resumed;
        }
        if (seen.startInFlight()) {
          throw new BrokerException(Reason.REQUEST_IN_PROGRESS, "a desktop is being started for you in '"
              + r.pool().name() + "' right now; ask again in a moment to get it");
        }
        if (!seen.vouched()) {
          unvouched = true;
          log.info("[{}] set {} cannot vouch that {} has no session in {}: next set", r.requestId(),
              set.id(), r.user(), r.pool().name());
          break;
        }
        Placement placed = dedicated ? placeDedicated(set, found, r) : placeFloating(set, found, r);
        if (placed.session() != null) {
          return placed.session();
        }
        if (!placed.tryAgain()) {
          break;  // nothing for this user in this set: another set may know better
        }
      }
    }
    if (!anySetAnswered || unvouched) {
      throw new BrokerException(Reason.NO_SET_REACHABLE, anySetAnswered
          ? "no concentrator set could answer in full (some of their concentrators are down or "
              + "restarting); try again shortly"
          : "no concentrator set could be reached; try again shortly");
    }
    if (dedicated) {
      Optional<Assignment> own = store.assignments().of(r.pool().name(), r.user());
      if (own.isPresent()) {
        throw new BrokerException(Reason.DESKTOP_UNAVAILABLE, "your desktop " + own.get().vmId()
            + " is not reachable right now; try again shortly");
      }
    }
    throw new BrokerException(Reason.POOL_EXHAUSTED,
        "no desktop is free in pool '" + r.pool().name() + "' right now; try again shortly");
  }

  private Scatter<ListSessionsResponse> askSessions(SetView set, Request r) {
    ListSessionsRequest request = ListSessionsRequest.newBuilder()
        .setUser(r.user())
        .setPool(r.pool().name())
        .build();
    return directory.send(set, r.budget().cap(settings.timeouts().find()), stub -> stub.listSessions(request));
  }

  /** Adds the user's sessions in the pool that a ListSessions scatter's answers name. */
  private void addSessions(Scatter<ListSessionsResponse> sent, Request r, SessionsSeen seen) {
    List<Reply<ListSessionsResponse>> replies = sent.await();
    List<PlacedSession> sessions = replies.stream()
        .filter(Reply::ok)
        .flatMap(reply -> reply.value().getSessionsList().stream())
        .filter(p -> p.getSession().getUser().equals(r.user()) && p.getSession().getPool().equals(r.pool().name()))
        .toList();
    seen.add(sent.set(), sessions, vouching.inFull(sent.set(), replies, ListSessionsResponse::getWarmingUp),
        replies.stream().anyMatch(reply -> reply.ok() && reply.value().getStartInFlight()));
  }

  /**
   * The user's session to go back to, or null when every one listed turned out stale.
   *
   * <p>A session listed only as not reachable may be stale: a concentrator the VM left (moving to
   * another, or cut off from it) keeps it, and its sessions, as unreachable, while the VM runs on
   * elsewhere and the session may have ended there. So its agent is asked, with this request's
   * start, wherever it is attached now: it answers with the session if it still runs (or starts
   * one, which the user is owed anyway), or refuses, and then the listing was stale. When nothing
   * can reach the agent, the listing can be neither trusted nor ruled out: the answer is a
   * retryable refusal, neither a session that may have ended nor a second desktop. (A session on
   * an unreachable VM could not be connected to anyway.)
   *
   * <p>A session listed as reachable is asked for the same way, because only its agent issues the
   * one-time connection ticket the user needs to connect again; if the agent does not answer in
   * time, the listing stands and the answer carries no ticket.
   */
  private BrokeredSession resume(SessionsSeen seen, Request r) {
    for (Seen mine : seen.byPreference()) {
      r.budget().attempt();
      Reply<StartSessionResponse> truth = lostStarts.askAgain(startRequest(mine.placed().getVmId(), r), r.order(),
          r.budget());
      if (truth == null && mine.placed().getReachable()) {
        return reconnect(mine, r);
      }
      if (truth == null) {
        log.info("[{}] {} may have session {} on {}, whose agent no concentrator can reach",
            r.requestId(), r.user(), mine.placed().getSession().getSessionId(), mine.placed().getVmId());
        throw new BrokerException(Reason.DESKTOP_UNAVAILABLE, "your desktop " + mine.placed().getVmId()
            + " in '" + r.pool().name() + "' is not reachable right now; try again shortly");
      }
      StartSessionResponse response = truth.value();
      if (response.getResult() == StartResult.START_RESULT_STARTED) {
        log.info("[{}] {} session {} for {} on {} via {}", r.requestId(),
            response.getExisting() ? "reconnected to" : "started", response.getSession().getSessionId(),
            r.user(), mine.placed().getVmId(), truth.member().id());
        return new BrokeredSession(response.getSession(), mine.placed().getVmId(), truth.member().setId,
            truth.member().id(), response.getExisting());
      }
      log.info("[{}] session {} listed as unreachable on {} is stale: its agent runs none of {}'s",
          r.requestId(), mine.placed().getSession().getSessionId(), mine.placed().getVmId(), r.user());
      seen.forget(mine);
    }
    return null;
  }

  private BrokeredSession reconnect(Seen mine, Request r) {
    PlacedSession placed = mine.placed();
    log.info("[{}] {} already has session {} in {} on {}", r.requestId(), r.user(),
        placed.getSession().getSessionId(), r.pool().name(), placed.getVmId());
    return new BrokeredSession(placed.getSession(), placed.getVmId(), mine.setId(),
        placed.getConcentratorId(), true);
  }

  /** Floating pool: the least loaded candidates that may take a session, in turn. */
  private Placement placeFloating(SetView set, Found found, Request r) {
    List<Offer> offers = found.offers.stream().filter(o -> mayTake(o, r.pool())).toList();
    if (offers.isEmpty()) {
      return Placement.NOTHING_HERE;
    }
    for (Offer offer : offers) {
      if (r.budget().spent()) {
        break;
      }
      r.budget().attempt();
      BrokeredSession started = start(set, offer, r);
      if (started != null) {
        return new Placement(started, false);
      }
      metrics.refusedStart();
    }
    return Placement.ALL_REFUSED;
  }

  /**
   * Dedicated pool: the user's own VM; without one, claim a free unassigned VM in the store
   * first, so two brokers cannot give one VM to two users, then start on it (and give the claim
   * back if the agent refused; an uncertain start keeps it, since the session may run there).
   */
  private Placement placeDedicated(SetView set, Found found, Request r) {
    String pool = r.pool().name();
    Optional<Assignment> own = store.assignments().of(pool, r.user());
    if (own.isPresent()) {
      return startOnOwn(set, own.get(), r);
    }
    List<Offer> free = found.offers.stream()
        .filter(o -> mayTake(o, r.pool()) && o.candidate().getUsed() == 0)
        .toList();
    var assigned = store.assignments().assignedAmong(free.stream().map(Offer::vmId).toList());
    free = free.stream().filter(o -> !assigned.contains(o.vmId())).toList();
    if (free.isEmpty()) {
      return Placement.NOTHING_HERE;
    }
    for (Offer offer : free) {
      if (r.budget().spent()) {
        break;
      }
      Assignment.Claim claim = store.assignments().claim(pool, r.user(), offer.vmId());
      switch (claim.outcome()) {
        case VM_TAKEN -> {
          continue;
        }
        case USER_HAS_ONE -> {
          return startOnOwn(set, claim.assignment(), r);
        }
        case CLAIMED -> {
          r.budget().attempt();
          BrokeredSession started = start(set, offer, r);
          if (started != null) {
            log.info("[{}] {} is now {}'s desktop in {}", r.requestId(), offer.vmId(), r.user(), pool);
            return new Placement(started, false);
          }
          store.assignments().release(pool, r.user(), offer.vmId());
          metrics.refusedStart();
        }
      }
    }
    return Placement.ALL_REFUSED;
  }

  /**
   * Starts on the user's own VM in this set. Brokers do not know which concentrator of a set
   * holds a VM, so the start goes to all of them; the others answer "not attached" at once.
   */
  private Placement startOnOwn(SetView set, Assignment own, Request r) {
    if (drained.contains(own.vmId())) {
      throw new BrokerException(Reason.DESKTOP_UNAVAILABLE, "your desktop " + own.vmId()
          + " is in maintenance; try again later");
    }
    r.budget().attempt();
    Reply<StartSessionResponse> decided = lostStarts.startAnywhere(set, startRequest(own.vmId(), r), r.budget());
    if (decided == null) {
      return Placement.NOTHING_HERE;  // not attached in this set (or its owner did not answer)
    }
    StartSessionResponse response = decided.value();
    if (response.getResult() == StartResult.START_RESULT_REFUSED) {
      throw new BrokerException(Reason.DESKTOP_UNAVAILABLE, "your desktop " + own.vmId()
          + " cannot take a session right now: " + response.getReason());
    }
    log.info("[{}] {} session {} for {} on their desktop {} via {}", r.requestId(),
        response.getExisting() ? "reconnected to" : "started",
        response.getSession().getSessionId(), r.user(), own.vmId(), decided.member().id());
    return new Placement(new BrokeredSession(response.getSession(), own.vmId(), set.id(),
        decided.member().id(), response.getExisting()), false);
  }

  /** The start of a session of {@code r}'s pool, with the pool's logoff limits when it has any. */
  private static StartSessionRequest startRequest(String vmId, Request r) {
    StartSessionRequest.Builder start = StartSessionRequest.newBuilder()
        .setRequestId(r.requestId())
        .setUser(r.user())
        .setPool(r.pool().name())
        .setVmId(vmId);
    Pool.LogoffPolicy logoff = r.pool().logoff();
    if (!logoff.isNone()) {
      start.setPolicy(SessionPolicy.newBuilder()
          .setIdleLogoffAfterS(seconds(logoff.idleAfter()))
          .setDisconnectedLogoffAfterS(seconds(logoff.disconnectedAfter())));
    }
    return start.build();
  }

  /** A limit as SessionPolicy writes it: whole seconds, 0 for never (the store keeps 1 s .. 30 days). */
  private static int seconds(Duration limit) {
    return limit == null ? 0 : Math.toIntExact(limit.toSeconds());
  }

  /** What one set offered: candidates ordered for trying, and how many concentrators answered. */
  private record Found(List<Offer> offers, int answered) {}

  /**
   * Asks the set for candidates; the user's sessions it names go to {@code seen}. A broadcast asks
   * every member; a sampled search ({@link CandidateSearch}) only the members with the most room
   * in the pool, and lets their answers vouch for the whole set: a session of the user on a
   * member not asked is then not seen here, and the user may get a second desktop.
   */
  private Found find(SetView set, int limit, Request r, SessionsSeen seen) {
    FindCandidatesRequest request = FindCandidatesRequest.newBuilder()
        .setRequestId(r.requestId())
        .setUser(r.user())
        .setPool(r.pool().name())
        .setLimit(limit)
        .build();
    CandidateSearch search = settings.candidateSearch();
    SetView asked = search.sampled()
        ? SampledMembers.of(set, r.pool().name(), search.asked(), ThreadLocalRandom.current())
        : set;
    List<Reply<FindCandidatesResponse>> replies = directory.scatter(
        asked, r.budget().cap(settings.timeouts().find()), stub -> stub.findCandidates(request));
    List<Offer> offers = new ArrayList<>();
    List<PlacedSession> existing = new ArrayList<>();
    int answered = 0;
    for (Reply<FindCandidatesResponse> reply : replies) {
      if (!reply.ok()) {
        log.info("[{}] concentrator {} did not answer: {}", r.requestId(), reply.member().id(),
            reply.describeFailure());
        continue;
      }
      answered++;
      for (Candidate c : reply.value().getCandidatesList()) {
        offers.add(new Offer(c, reply.member(), (double) c.getUsed() / Math.max(1, c.getCapacity()),
            ThreadLocalRandom.current().nextLong()));
      }
      existing.addAll(reply.value().getExistingSessionsList());
    }
    seen.add(set, existing, vouching.inFull(asked, replies, FindCandidatesResponse::getWarmingUp),
        replies.stream().anyMatch(reply -> reply.ok() && reply.value().getStartInFlight()));
    offers.sort(TRY_ORDER);
    return new Found(offers, answered);
  }

  /**
   * Tries one candidate; the session, or null when the agent refused or the VM is not attached
   * there any more (the caller moves on).
   *
   * <p>A call that failed, or whose VM's stream ended mid-start, leaves it open whether the agent
   * accepted: a concentrator killed between the agent's yes and its answer to us loses the
   * answer, not the session. Then the same request (same id, which the agent remembers) goes to
   * the VM wherever it is attached now, and whatever the agent says there is the answer. When no set can ask it, the request ends
   * with a retryable error rather than risk a second desktop; the user's next request finds the
   * session if there is one. A call that ran out of time is not asked again: its concentrator
   * takes the start back when the deadline passes.
   */
  private BrokeredSession start(SetView set, Offer offer, Request r) {
    String vmId = offer.vmId();
    StartSessionRequest request = startRequest(vmId, r);
    Reply<StartSessionResponse> reply = directory.ask(
        offer.owner(), r.budget().cap(settings.timeouts().start()), stub -> stub.startSession(request));
    boolean lost = !reply.ok() || reply.value().getResult() == StartResult.START_RESULT_OUTCOME_UNKNOWN;
    if (lost) {
      log.info("[{}] start on {} via {} has no outcome: {}", r.requestId(), vmId, offer.owner().id(),
          reply.ok() ? reply.value().getReason() : reply.describeFailure());
      boolean timedOut = !reply.ok() && reply.failure().getCode() == Status.Code.DEADLINE_EXCEEDED;
      reply = timedOut ? null : lostStarts.askAgain(request, r.order(), r.budget());
      if (reply == null) {
        throw new BrokerException(Reason.START_UNCERTAIN, "the answer about your desktop on " + vmId
            + " was lost on the way; ask again and you will get it if it started");
      }
    }
    StartSessionResponse response = reply.value();
    if (response.getResult() != StartResult.START_RESULT_STARTED) {
      log.info("[{}] {} on {}: {}", r.requestId(), response.getResult(), vmId, response.getReason());
      return null;
    }
    log.info("[{}] {} session {} for {} on {} via {}", r.requestId(),
        response.getExisting() ? "reconnected to" : "started", response.getSession().getSessionId(),
        r.user(), vmId, reply.member().id());
    return new BrokeredSession(response.getSession(), vmId, reply.member().setId, reply.member().id(),
        response.getExisting());
  }

  private void record(
      SessionEvent.Kind kind, String user, String pool, String vmId, String sessionId,
      String requestId, String detail) {
    store.history().record(new SessionEvent(0, clock.instant(), kind, user, pool, vmId, sessionId,
        settings.brokerId(), requestId, detail));
  }
}
