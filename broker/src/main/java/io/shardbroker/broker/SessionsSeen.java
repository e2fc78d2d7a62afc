package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.PlacedSession;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request has learnt of the user's sessions in the pool, from every set it asked.
 *
 * <p>A set vouches for "this user has no session here" only when every one of its
 * concentrators answered and none is warming up: a member that is down or has just restarted
 * may be the one that knows, or will know in a moment, the VM of the user's session. A new
 * session is placed only when some set vouched, and only if no set knows of a session or of a
 * start for the user still being decided (one a broker that died had asked for, say). Why that
 * is enough: docs/design.md, "One session per user and pool".
 *
 * <p>Not thread-safe: one request's, used by its thread only.
 */
final class SessionsSeen {

  /** A session of the user and the set that told of it. */
  record Seen(PlacedSession placed, String setId) {}

  private final Map<String, Seen> bySessionId = new LinkedHashMap<>();
  private boolean vouched;
  /** Some concentrator is still deciding a start for the user in the pool. */
  private boolean startInFlight;

  void add(SetView set, List<PlacedSession> sessions, boolean inFull, boolean startsInFlight) {
    startInFlight |= startsInFlight;
    for (PlacedSession p : sessions) {
      // The same session may be listed twice: by a VM's old concentrator (as not reachable)
      // and by its new one, and by two sets. A reachable listing wins.
      bySessionId.merge(p.getSession().getSessionId(), new Seen(p, set.id()),
          (a, b) -> a.placed().getReachable() ? a : b);
    }
    vouched |= inFull;
  }

  boolean any() {
    return !bySessionId.isEmpty();
  }

  /** Some set vouched that the user has no session it does not list. */
  boolean vouched() {
    return vouched;
  }

  /** Some concentrator is still deciding a start for the user in the pool. */
  boolean startInFlight() {
    return startInFlight;
  }

  /** The sessions to reconnect to, reachable ones first. */
  List<Seen> byPreference() {
    return bySessionId.values().stream()
        .sorted(Comparator.comparing((Seen s) -> !s.placed().getReachable()))
        .toList();
  }

  /** Forgets a listing found stale. */
  void forget(Seen stale) {
    bySessionId.remove(stale.placed().getSession().getSessionId());
  }
}
