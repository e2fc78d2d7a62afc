package io.shardbroker.agent;

import io.shardbroker.protocol.v1.EndReason;
import io.shardbroker.protocol.v1.EndedSession;
import io.shardbroker.protocol.v1.Session;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The sessions a VM ended lately and why, as its state carries them (VmState.recent_ends): every
 * set hears of each end for {@link #KEPT} after it, so brokers can record why a session ended,
 * including ends nobody asked a broker for (a logoff inside the desktop, an idle limit).
 * Bounded: at most {@link #MAX} ends, oldest first out. Not thread-safe: the arbiter guards it.
 */
final class RecentEnds {

  static final Duration KEPT = Duration.ofMinutes(10);
  static final int MAX = 32;

  private final Clock clock;
  private final Deque<EndedSession> ends = new ArrayDeque<>();

  RecentEnds(Clock clock) {
    this.clock = clock;
  }

  void add(Session session, EndReason reason) {
    ends.addLast(EndedSession.newBuilder()
        .setSessionId(session.getSessionId())
        .setUser(session.getUser())
        .setPool(session.getPool())
        .setEndedAtMs(clock.millis())
        .setReason(reason)
        .build());
    while (ends.size() > MAX) {
      ends.removeFirst();
    }
  }

  /** The ends still kept, oldest first. */
  List<EndedSession> list() {
    long oldest = clock.millis() - KEPT.toMillis();
    while (!ends.isEmpty() && ends.peekFirst().getEndedAtMs() < oldest) {
      ends.removeFirst();
    }
    return List.copyOf(ends);
  }
}
