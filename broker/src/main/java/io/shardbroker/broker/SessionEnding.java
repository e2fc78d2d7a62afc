package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.EndResult;
import io.shardbroker.protocol.v1.EndSessionRequest;
import io.shardbroker.protocol.v1.EndSessionResponse;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a user's session: the concentrator that holds its VM asks the agent, whichever set it is
 * found in; an end lands in the session history.
 */
final class SessionEnding {

  private static final Logger log = LoggerFactory.getLogger(SessionEnding.class);

  private final ConcentratorDirectory directory;
  private final Vouching vouching;
  private final Store store;
  private final String brokerId;
  private final Duration deadline;
  private final Clock clock;

  SessionEnding(ConcentratorDirectory directory, Vouching vouching, Store store, String brokerId, Duration deadline,
      Clock clock) {
    this.directory = directory;
    this.vouching = vouching;
    this.store = store;
    this.brokerId = brokerId;
    this.deadline = deadline;
    this.clock = clock;
  }

  /**
   * Ends one of the user's sessions; only the concentrator that owns its VM acts on it.
   *
   * <p>"No such session" needs every set to vouch for it (every concentrator answered, none
   * warming up): a set may not know a VM that is between two of its concentrators, or on its way
   * back to a restarted one, while the other set does. Until then the answer is a retryable 503.
   */
  void endSession(String user, String sessionId, String requestId) {
    EndSessionRequest request = EndSessionRequest.newBuilder()
        .setRequestId(requestId)
        .setSessionId(sessionId)
        .setUser(user)
        .build();
    boolean everySetVouched = true;
    String failure = null;
    for (SetView set : SessionPlacer.setsFor(directory, user)) {
      List<Reply<EndSessionResponse>> replies =
          directory.scatter(set, deadline, stub -> stub.endSession(request));
      for (Reply<EndSessionResponse> reply : replies) {
        if (!reply.ok()) {
          continue;
        }
        EndSessionResponse response = reply.value();
        if (response.getResult() == EndResult.END_RESULT_ENDED) {
          log.info("[{}] ended session {} of {} via {}", requestId, sessionId, user, reply.member().id());
          store.history().record(new SessionEvent(0, clock.instant(), SessionEvent.Kind.END, user,
              response.getPool(), response.getVmId(), sessionId, brokerId, requestId, "requested"));
          return;
        }
        if (response.getResult() == EndResult.END_RESULT_FAILED) {
          failure = response.getReason();
        }
      }
      everySetVouched &= vouching.inFull(set, replies, EndSessionResponse::getWarmingUp);
    }
    if (failure != null) {
      throw new BrokerException(Reason.END_FAILED, "the session could not be ended: " + failure);
    }
    if (!everySetVouched) {
      // The session may be on a VM that a concentrator which did not answer, or is still
      // warming up, would know: not found is not known.
      throw new BrokerException(Reason.NO_SET_REACHABLE,
          "not every concentrator could be asked about the session; try again shortly");
    }
    throw new BrokerException(Reason.SESSION_NOT_FOUND, "you have no session with id '" + sessionId + "'");
  }
}
