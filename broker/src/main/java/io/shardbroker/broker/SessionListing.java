package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Answered;
import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.protocol.v1.ListSessionsRequest;
import io.shardbroker.protocol.v1.ListSessionsResponse;
import io.shardbroker.protocol.v1.PlacedSession;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's running sessions, as the concentrators know them: asked of the sets in the user's
 * order ({@link SessionPlacer#setsFor}), the first that answers giving the list.
 */
final class SessionListing {

  private final ConcentratorDirectory directory;
  private final Duration deadline;

  SessionListing(ConcentratorDirectory directory, Duration deadline) {
    this.directory = directory;
    this.deadline = deadline;
  }

  /** The user's sessions, as the first set that answers sees them. */
  List<PlacedSession> sessionsOf(String user) {
    ListSessionsRequest request = ListSessionsRequest.newBuilder().setUser(user).build();
    Answered<ListSessionsResponse> answered = directory.firstAnswering(SessionPlacer.setsFor(directory, user),
        deadline, stub -> stub.listSessions(request));
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
}
