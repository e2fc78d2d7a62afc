package io.shardbroker.broker;

import io.shardbroker.broker.ConcentratorDirectory.Reply;
import io.shardbroker.broker.ConcentratorDirectory.SetView;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out what became of a start whose answer was lost: a concentrator killed between the
 * agent's yes and its answer to the broker loses the answer, not the session. The same request
 * (the same id, which the agent remembers) goes to the VM wherever it is attached now, in the same
 * set after a re-home or in another set, and whatever the agent says there is the answer
 * (docs/design.md, "Idempotent starts").
 *
 * <p>Also how a start reaches a VM whose concentrator is not known (a dedicated user's own VM):
 * the start goes to every member of a set, and the one that holds the VM answers.
 */
final class LostStarts {

  private static final Logger log = LoggerFactory.getLogger(LostStarts.class);

  private final ConcentratorDirectory directory;
  private final Duration startDeadline;

  LostStarts(ConcentratorDirectory directory, Duration startDeadline) {
    this.directory = directory;
    this.startDeadline = startDeadline;
  }

  /**
   * The agent's answer to {@code request}, asked again in the sets of {@code order}, or null when
   * no concentrator could ask it within the budget.
   */
  Reply<StartSessionResponse> askAgain(StartSessionRequest request, List<SetView> order, Budget budget) {
    for (SetView set : order) {
      if (budget.spent()) {
        break;
      }
      Reply<StartSessionResponse> decided = startAnywhere(set, request, budget);
      if (decided != null) {
        log.info("[{}] the agent of {} answered {} through {}", request.getRequestId(), request.getVmId(),
            decided.value().getResult(), decided.member().id());
        return decided;
      }
    }
    return null;
  }

  /**
   * Asks every member of the set to start on a VM whose concentrator is not known; the answer of
   * the one that holds it (started or refused), or null when none does or it did not answer.
   */
  Reply<StartSessionResponse> startAnywhere(SetView set, StartSessionRequest request, Budget budget) {
    for (Reply<StartSessionResponse> reply : directory.scatter(
        set, budget.cap(startDeadline), stub -> stub.startSession(request))) {
      if (reply.ok() && (reply.value().getResult() == StartResult.START_RESULT_STARTED
          || reply.value().getResult() == StartResult.START_RESULT_REFUSED)) {
        return reply;
      }
    }
    return null;
  }
}
