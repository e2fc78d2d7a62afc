package io.shardbroker.agent;

import io.shardbroker.agent.display.DisplayActivity;
import io.shardbroker.protocol.v1.DisplayState;
import io.shardbroker.protocol.v1.EndReason;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.SessionPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which sessions are viewed and the pools' logoff limits, for hosts whose displays the agent
 * relays. The display relay tells it of viewers and input; it tells the arbiter when a session
 * becomes active or disconnected (so every set, the API and the portal show it), and every
 * {@link #CHECK_INTERVAL} logs off the sessions past a limit of their policy: disconnected for
 * longer than {@code disconnected_logoff_after_s}, or viewed without input for longer than
 * {@code idle_logoff_after_s}. The end is recorded with that limit as its reason. Time is the
 * agent's clock, so tests move it by hand.
 */
final class SessionPolicies implements DisplayActivity {

  private static final Logger log = LoggerFactory.getLogger(SessionPolicies.class);
  static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

  private final SessionArbiter arbiter;
  private final Clock clock;
  /** Session id -> its last input from a viewer. */
  private final Map<String, Instant> lastInput = new ConcurrentHashMap<>();
  private ScheduledFuture<?> checks;

  SessionPolicies(SessionArbiter arbiter, Clock clock) {
    this.arbiter = arbiter;
    this.clock = clock;
  }

  synchronized void start(ScheduledExecutorService scheduler) {
    if (checks == null) {
      checks = scheduler.scheduleWithFixedDelay(this::enforce, CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  synchronized void stop() {
    if (checks != null) {
      checks.cancel(false);
    }
  }

  @Override
  public void connected(String sessionId) {
    lastInput.put(sessionId, clock.instant());
    arbiter.displayChanged(sessionId, DisplayState.DISPLAY_ACTIVE);
  }

  @Override
  public void input(String sessionId) {
    lastInput.put(sessionId, clock.instant());
  }

  @Override
  public void disconnected(String sessionId) {
    arbiter.displayChanged(sessionId, DisplayState.DISPLAY_DISCONNECTED);
  }

  /** Logs off every session past a limit of its policy. */
  void enforce() {
    Instant now = clock.instant();
    List<Session> running = arbiter.running();
    for (Session s : running) {
      EndReason due = due(s, now);
      if (due != null) {
        log.info("logging off session {} of {}: {}", s.getSessionId(), s.getUser(),
            due == EndReason.END_REASON_IDLE ? "no input for " + Duration.ofSeconds(s.getPolicy().getIdleLogoffAfterS())
                : "disconnected for " + Duration.ofSeconds(s.getPolicy().getDisconnectedLogoffAfterS()));
        arbiter.endFor(s.getSessionId(), due);
      }
    }
    lastInput.keySet().retainAll(running.stream().map(Session::getSessionId).collect(Collectors.toSet()));
  }

  /** The limit {@code s} is past at {@code now}, or null. */
  private EndReason due(Session s, Instant now) {
    SessionPolicy policy = s.getPolicy();
    Instant since = Instant.ofEpochMilli(s.getDisplaySinceMs());
    if (s.getDisplay() == DisplayState.DISPLAY_DISCONNECTED && policy.getDisconnectedLogoffAfterS() > 0
        && !now.isBefore(since.plusSeconds(policy.getDisconnectedLogoffAfterS()))) {
      return EndReason.END_REASON_DISCONNECTED;
    }
    if (s.getDisplay() == DisplayState.DISPLAY_ACTIVE && policy.getIdleLogoffAfterS() > 0) {
      Instant input = lastInput.getOrDefault(s.getSessionId(), since);
      Instant last = input.isAfter(since) ? input : since;
      if (!now.isBefore(last.plusSeconds(policy.getIdleLogoffAfterS()))) {
        return EndReason.END_REASON_IDLE;
      }
    }
    return null;
  }
}
