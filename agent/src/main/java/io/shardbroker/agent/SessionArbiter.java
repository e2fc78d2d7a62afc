package io.shardbroker.agent;

import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.protocol.StartRule;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.DisplayState;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndReason;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.VmState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's truth and the one place where a session start is accepted or refused
 * (docs/design.md, "The agent is the arbiter"). Whether the VM may take a start is
 * {@link StartRule}'s, the rule the concentrators' reservations apply too; every accepted answer
 * carries a fresh one-time connection ticket, which the host learns before the answer leaves.
 *
 * <p>Design. All fields below are guarded by {@code this}; the session host is called outside the
 * lock. A start that is accepted holds a slot in {@code starting} while the host works, so the
 * capacity check counts it and a second request cannot take the same slot. Every start request id
 * gets exactly one answer, kept in {@code answers}, so a repeat (a retry, or the same request
 * arriving through another set) gets the same answer and never a second session. A user who
 * already has a session in the VM's pool gets that session back ({@code existing = true}).
 *
 * <p>A start can be rolled back by an end request that names its request id. If the start has
 * not arrived yet, the id is remembered as refused; if it is in flight, the session is ended as
 * soon as the host has started it; if it was accepted, the session is ended.
 *
 * <p>Every change of the reported state increments {@code sequence}; the change listener then
 * gets the new state, outside the lock. Listeners may receive snapshots out of order when changes
 * race; receivers keep the one with the highest sequence.
 */
final class SessionArbiter {

  private static final Logger log = LoggerFactory.getLogger(SessionArbiter.class);
  /** How many start answers are remembered for repeats; far more than starts in any retry window. */
  private static final int REMEMBERED_ANSWERS = 512;

  private final String vmId;
  private final String pool;
  private final int capacity;
  private final SessionHost host;
  private final TicketBook tickets;
  private final Clock clock;
  private final Supplier<String> sessionIds;
  private final Consumer<VmState> changeListener;

  private long sequence = 1;
  private boolean accepting = true;
  /** False until the host has said what runs on it: the VM takes no new session meanwhile. */
  private boolean hostKnown;
  private final Map<String, Session> sessions = new LinkedHashMap<>();
  private final RecentEnds recentEnds;
  /** Session id -> why it is being ended, for the end's record; a logoff on the host otherwise. */
  private final Map<String, EndReason> endReasons = new HashMap<>();
  /** How many times the host has been asked what runs on it. */
  private long listingsAsked;
  /**
   * Session id -> {@link #listingsAsked} when it joined {@link #sessions}: a listing asked before
   * a session joined may lack it, so only later listings can find it gone.
   */
  private final Map<String, Long> joinedAtListing = new HashMap<>();
  /** Session id -> the end under way, which completes when the host has logged it off. */
  private final Map<String, CompletableFuture<Void>> ending = new HashMap<>();
  /** Start request id -> the start under way. */
  private final Map<String, Starting> starting = new LinkedHashMap<>();
  /** Start request id -> the answer it got. Oldest forgotten first. */
  private final Map<String, Remembered> answers = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
      return size() > REMEMBERED_ANSWERS;
    }
  };

  /** A start the host is working on. */
  private static final class Starting {
    final String user;
    final String sessionId;
    final CompletableFuture<StartAnswer> answer = new CompletableFuture<>();
    boolean rollBack;

    Starting(String user, String sessionId) {
      this.user = user;
      this.sessionId = sessionId;
    }
  }

  /** An answer given; {@code user} is null for a start rolled back before it arrived. */
  private record Remembered(String user, StartAnswer answer) {}

  SessionArbiter(
      String vmId,
      String pool,
      int capacity,
      SessionHost host,
      TicketBook tickets,
      Clock clock,
      Supplier<String> sessionIds,
      Consumer<VmState> changeListener) {
    this.vmId = vmId;
    this.pool = pool;
    this.capacity = capacity;
    this.host = host;
    this.tickets = tickets;
    this.clock = clock;
    this.sessionIds = sessionIds;
    this.changeListener = changeListener;
    this.recentEnds = new RecentEnds(clock);
    host.onSessionEnded(this::endedByHost);
  }

  /**
   * Decides a start request; the answer always carries the request's id, and when accepted (a new
   * session or the user's existing one) a fresh connection ticket.
   */
  CompletableFuture<StartAnswer> start(StartRequest request) {
    return decide(request).thenCompose(this::withTicket);
  }

  private CompletableFuture<StartAnswer> withTicket(StartAnswer answer) {
    if (!answer.getAccepted()) {
      return CompletableFuture.completedFuture(answer);
    }
    Session session = answer.getSession();
    TicketBook.Ticket ticket = tickets.issue(session.getSessionId(), session.getUser());
    SessionSpec spec = new SessionSpec(session.getSessionId(), session.getUser(), session.getPool(), vmId);
    return host.ticketIssued(spec, ticket.value(), ticket.expiresAt())
        .exceptionally(failure -> null)  // the host logs its own trouble; the session stands
        .thenApply(v -> answer.toBuilder()
            .setSession(session.toBuilder().setConnection(session.getConnection().toBuilder()
                .setTicket(ticket.value())
                .setTicketExpiresAtMs(ticket.expiresAt().toEpochMilli())))
            .build());
  }

  /**
   * Lets a client of {@code user} in with {@code ticket}: the session it connects to, or empty
   * when the ticket is unknown, used, expired, another user's, or its session is over.
   */
  Optional<String> admit(String ticket, String user) {
    return tickets.redeem(ticket, user).filter(id -> {
      synchronized (this) {
        return sessions.containsKey(id);
      }
    });
  }

  /** Decides a start request, without a ticket. */
  private CompletableFuture<StartAnswer> decide(StartRequest request) {
    String requestId = request.getRequestId();
    Starting started;
    synchronized (this) {
      Remembered prior = answers.get(requestId);
      if (prior != null) {
        if (prior.user() != null && !prior.user().equals(request.getUser())) {
          return CompletableFuture.completedFuture(
              refusalLocked(requestId, StartRefusal.START_REFUSAL_REQUEST_ID_TAKEN, ""));
        }
        StartAnswer a = prior.answer();
        if (a.getAccepted() && !sessions.containsKey(a.getSession().getSessionId())) {
          // Not a retry any more: the session it started is over. Never hand out a dead session.
          return CompletableFuture.completedFuture(
              refusalLocked(requestId, StartRefusal.START_REFUSAL_SESSION_ENDED, ""));
        }
        return CompletableFuture.completedFuture(a.toBuilder().setState(snapshotLocked()).build());
      }
      Starting inFlight = starting.get(requestId);
      if (inFlight != null) {
        return inFlight.user.equals(request.getUser())
            ? inFlight.answer
            : CompletableFuture.completedFuture(
                refusalLocked(requestId, StartRefusal.START_REFUSAL_REQUEST_ID_TAKEN, ""));
      }
      StartAnswer decided = decideLocked(request);
      if (decided != null) {
        answers.put(requestId, new Remembered(request.getUser(), decided));
        return CompletableFuture.completedFuture(decided);
      }
      Starting sameUser = startingForLocked(request.getUser());
      if (sameUser != null) {
        // Two requests of one user raced here: both get the one session.
        return sameUser.answer.thenApply(a -> a.getAccepted()
            ? a.toBuilder().setRequestId(requestId).setExisting(true).build()
            : a.toBuilder().setRequestId(requestId).build());
      }
      started = new Starting(request.getUser(), sessionIds.get());
      starting.put(requestId, started);
    }
    SessionSpec spec = new SessionSpec(started.sessionId, request.getUser(), pool, vmId, request.getPolicy());
    CompletableFuture<Connection> hostStart;
    try {
      hostStart = host.start(spec);
    } catch (RuntimeException e) {
      hostStart = CompletableFuture.failedFuture(e);
    }
    hostStart.whenComplete((connection, failure) ->
        finishStart(requestId, request, started, connection, failure));
    return started.answer;
  }

  /**
   * The answer that needs no host, or null when the host must start a session, or when a start of
   * the same user is under way (which the caller then shares).
   */
  private StartAnswer decideLocked(StartRequest request) {
    Session existing = null;
    for (Session s : sessions.values()) {
      if (s.getUser().equals(request.getUser()) && !ending.containsKey(s.getSessionId())) {
        existing = s;
        break;
      }
    }
    boolean userIsThere = existing != null || startingForLocked(request.getUser()) != null;
    StartRefusal refusal = StartRule.refusal(pool, request.getPool(), userIsThere, accepting && hostKnown,
        sessions.size() + starting.size(), capacity);
    if (refusal != null) {
      return refusalLocked(request.getRequestId(), refusal,
          refusal == StartRefusal.START_REFUSAL_WRONG_POOL ? "VM " + vmId + " is in pool " + pool
              + ", not " + request.getPool() : "");
    }
    if (existing == null) {
      return null;
    }
    return StartAnswer.newBuilder()
        .setRequestId(request.getRequestId())
        .setAccepted(true)
        .setExisting(true)
        .setSession(existing)
        .setState(snapshotLocked())
        .build();
  }

  private Starting startingForLocked(String user) {
    for (Starting s : starting.values()) {
      if (s.user.equals(user)) {
        return s;
      }
    }
    return null;
  }

  private void finishStart(
      String requestId, StartRequest request, Starting started, Connection connection,
      Throwable failure) {
    StartAnswer answer;
    VmState changed = null;
    boolean rollBack = false;
    synchronized (this) {
      starting.remove(requestId);
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause() : failure;
        answer = refusalLocked(requestId, StartRefusal.START_REFUSAL_HOST_FAILED, String.valueOf(cause.getMessage()));
      } else if (started.rollBack) {
        rollBack = true;
        answer = refusalLocked(requestId, StartRefusal.START_REFUSAL_CANCELLED, "");
      } else {
        Session session = withDisplay(Session.newBuilder()
            .setSessionId(started.sessionId)
            .setUser(request.getUser())
            .setPool(pool)
            .setConnection(connection)
            .setStartedAtMs(clock.millis())
            .setRequestId(requestId)
            .setPolicy(request.getPolicy()))
            .build();
        sessions.put(session.getSessionId(), session);
        joinedAtListing.put(session.getSessionId(), listingsAsked);
        sequence++;
        changed = snapshotLocked();
        answer = StartAnswer.newBuilder()
            .setRequestId(requestId)
            .setAccepted(true)
            .setSession(session)
            .setState(changed)
            .build();
      }
      answers.put(requestId, new Remembered(request.getUser(), answer));
    }
    if (rollBack) {
      host.end(started.sessionId);
    }
    if (answer.getAccepted()) {
      log.info("[{}] started session {} for {} on {}", requestId, started.sessionId,
          request.getUser(), vmId);
    } else {
      log.info("[{}] refused {} on {}: {}", requestId, request.getUser(), vmId,
          StartRule.describe(answer.getRefusal(), answer.getRefusalDetail()));
    }
    if (changed != null) {
      changeListener.accept(changed);
    }
    started.answer.complete(answer);
  }

  /** Ends a session by its id, or rolls back a start by its request id. */
  CompletableFuture<EndAnswer> end(EndRequest request) {
    String sessionId = request.getSessionId();
    if (sessionId.isEmpty() && !request.getStartRequestId().isEmpty()) {
      synchronized (this) {
        sessionId = rollBackLocked(request.getStartRequestId());
        if (sessionId == null) {
          return CompletableFuture.completedFuture(endAnswerLocked(request.getRequestId(), true));
        }
      }
    }
    return endSession(request.getRequestId(), sessionId, EndReason.END_REASON_REQUESTED);
  }

  /**
   * Logs a session off for a reason of the agent's own (a policy's limit passed); the end is
   * recorded with {@code reason}. Completes when the host has logged it off.
   */
  CompletableFuture<EndAnswer> endFor(String sessionId, EndReason reason) {
    return endSession("agent-" + sessionIds.get(), sessionId, reason);
  }

  /**
   * Makes sure the start with this request id leaves no session. Returns the id of a session that
   * it already created and that must now be ended, or null when nothing more is needed.
   */
  private String rollBackLocked(String startRequestId) {
    Starting inFlight = starting.get(startRequestId);
    if (inFlight != null) {
      inFlight.rollBack = true;
      return null;
    }
    Remembered prior = answers.get(startRequestId);
    if (prior == null) {
      answers.put(startRequestId, new Remembered(null, StartAnswer.newBuilder()
          .setRequestId(startRequestId)
          .setRefusal(StartRefusal.START_REFUSAL_CANCELLED)
          .setRefusalDetail("before it arrived")
          .build()));
      return null;
    }
    StartAnswer a = prior.answer();
    if (!a.getAccepted() || a.getExisting()) {
      return null;  // it created nothing (a reconnect's session belongs to an earlier start)
    }
    answers.put(startRequestId, new Remembered(prior.user(),
        refusalLocked(startRequestId, StartRefusal.START_REFUSAL_CANCELLED, "")));
    return sessions.containsKey(a.getSession().getSessionId()) ? a.getSession().getSessionId() : null;
  }

  private CompletableFuture<EndAnswer> endSession(String requestId, String sessionId, EndReason reason) {
    CompletableFuture<Void> done;
    boolean first = false;
    synchronized (this) {
      if (!sessions.containsKey(sessionId)) {
        return CompletableFuture.completedFuture(endAnswerLocked(requestId, false));
      }
      done = ending.get(sessionId);
      if (done == null) {
        done = new CompletableFuture<>();
        ending.put(sessionId, done);
        endReasons.put(sessionId, reason);
        first = true;
      }
    }
    if (first) {
      CompletableFuture<Void> finished = done;
      CompletableFuture<Void> hostEnd;
      try {
        hostEnd = host.end(sessionId);
      } catch (RuntimeException e) {
        hostEnd = CompletableFuture.failedFuture(e);
      }
      hostEnd.whenComplete((ignored, failure) -> {
        if (failure != null) {
          log.warn("[{}] host failed to end session {} on {}; counting it as ended: {}",
              requestId, sessionId, vmId, failure.getMessage());
        }
        forget(sessionId);
        log.info("[{}] ended session {} on {}", requestId, sessionId, vmId);
        finished.complete(null);
      });
    }
    return done.thenApply(ignored -> {
      synchronized (this) {
        return endAnswerLocked(requestId, true);
      }
    });
  }

  private void endedByHost(String sessionId) {
    log.info("session {} on {} ended on the host (user logged off)", sessionId, vmId);
    forget(sessionId);
  }

  private void forget(String sessionId) {
    VmState changed = null;
    synchronized (this) {
      ending.remove(sessionId);
      joinedAtListing.remove(sessionId);
      EndReason reason = endReasons.remove(sessionId);
      Session gone = sessions.remove(sessionId);
      if (gone != null) {
        recentEnds.add(gone, reason != null ? reason : EndReason.END_REASON_LOGGED_OFF);
        sequence++;
        changed = snapshotLocked();
      }
    }
    if (changed != null) {
      changeListener.accept(changed);
    }
  }

  /**
   * A session as it starts: disconnected since now where the host's displays are relayed by the
   * agent (nobody views it yet), else with no display state.
   */
  private Session.Builder withDisplay(Session.Builder session) {
    return host.relaysDisplays()
        ? session.setDisplay(DisplayState.DISPLAY_DISCONNECTED).setDisplaySinceMs(clock.millis())
        : session;
  }

  /** Records that a client now views {@code sessionId}'s display, or that none does. */
  void displayChanged(String sessionId, DisplayState display) {
    VmState changed = null;
    synchronized (this) {
      Session s = sessions.get(sessionId);
      if (s != null && s.getDisplay() != display) {
        sessions.put(sessionId, s.toBuilder().setDisplay(display).setDisplaySinceMs(clock.millis()).build());
        sequence++;
        changed = snapshotLocked();
      }
    }
    if (changed != null) {
      changeListener.accept(changed);
    }
  }

  /** The sessions that run now and are not being ended. */
  synchronized List<Session> running() {
    return sessions.values().stream().filter(s -> !ending.containsKey(s.getSessionId())).toList();
  }

  /** Numbers a listing of the host about to be asked for, for {@link #reconcile}. */
  synchronized long listingAsked() {
    return ++listingsAsked;
  }

  /**
   * Takes what the host says runs on it as the VM's truth (docs/design.md, "The agent's truth is
   * the VM's"): a session it no longer runs has ended on the host; a session it runs that this
   * arbiter did not start (before the agent restarted, or by hand) is the VM's too, counted
   * against its capacity, and given back only to its own user. Starts and ends under way are left
   * to finish, and a session that joined after {@code listing} was asked for may be missing from
   * it and stays. The first listing makes the VM take new sessions.
   *
   * @param listing the number {@link #listingAsked} gave before the host was asked
   */
  void reconcile(List<HostedSession> running, long listing) {
    List<String> ended = new ArrayList<>();
    VmState changed = null;
    synchronized (this) {
      Map<String, HostedSession> found = new LinkedHashMap<>();
      running.forEach(h -> found.put(h.sessionId(), h));
      boolean change = !hostKnown;
      hostKnown = true;
      for (Session s : List.copyOf(sessions.values())) {
        String id = s.getSessionId();
        if (!found.containsKey(id) && !ending.containsKey(id) && joinedAtListing.getOrDefault(id, 0L) < listing) {
          sessions.remove(id);
          joinedAtListing.remove(id);
          recentEnds.add(s, EndReason.END_REASON_LOGGED_OFF);
          ended.add(id + " of " + s.getUser());
          change = true;
        }
      }
      for (HostedSession h : found.values()) {
        if (!sessions.containsKey(h.sessionId()) && !ending.containsKey(h.sessionId()) && !startingSession(h.sessionId())) {
          sessions.put(h.sessionId(), withDisplay(Session.newBuilder()
              .setSessionId(h.sessionId())
              .setUser(h.user())
              .setPool(h.pool())
              .setConnection(h.connection())
              .setStartedAtMs(h.startedAt() != null ? h.startedAt().toEpochMilli() : clock.millis())
              .setPolicy(h.policy()))
              .build());
          joinedAtListing.put(h.sessionId(), listing);
          log.info("{} runs session {} of {}, which this agent did not start: it counts against the VM's capacity",
              vmId, h.sessionId(), h.user());
          change = true;
        }
      }
      if (change) {
        sequence++;
        changed = snapshotLocked();
      }
    }
    ended.forEach(s -> log.info("session {} on {} ended on the host", s, vmId));
    if (changed != null) {
      changeListener.accept(changed);
    }
  }

  private boolean startingSession(String sessionId) {
    return starting.values().stream().anyMatch(s -> s.sessionId.equals(sessionId));
  }

  /** Stops or resumes taking new sessions; running sessions are not touched. */
  void setAccepting(boolean accept) {
    VmState changed;
    synchronized (this) {
      if (accepting == accept) {
        return;
      }
      accepting = accept;
      sequence++;
      changed = snapshotLocked();
    }
    changeListener.accept(changed);
  }

  /** The sequence of the latest state, without building the state (heartbeats need only this). */
  synchronized long sequence() {
    return sequence;
  }

  synchronized VmState snapshot() {
    return snapshotLocked();
  }

  private VmState snapshotLocked() {
    return VmState.newBuilder()
        .setSequence(sequence)
        .addAllSessions(sessions.values())
        .setAccepting(accepting && hostKnown)
        .addAllRecentEnds(recentEnds.list())
        .build();
  }

  private StartAnswer refusalLocked(String requestId, StartRefusal why, String detail) {
    return StartAnswer.newBuilder()
        .setRequestId(requestId)
        .setAccepted(false)
        .setRefusal(why)
        .setRefusalDetail(detail)
        .setState(snapshotLocked())
        .build();
  }

  private EndAnswer endAnswerLocked(String requestId, boolean ended) {
    return EndAnswer.newBuilder()
        .setRequestId(requestId)
        .setEnded(ended)
        .setState(snapshotLocked())
        .build();
  }
}
