package io.shardbroker.protocol;

import io.shardbroker.protocol.v1.StartRefusal;

/**
 * Whether a VM may take a start: the one rule that both the agent's arbiter (which decides every
 * start) and the concentrator's reservation (which refuses at once what it already knows the
 * agent would) apply, so that they never disagree. See docs/design.md, "The agent is the arbiter".
 */
public final class StartRule {

  private StartRule() {}

  /**
   * Why a VM of {@code vmPool} may not take a start for {@code pool}, or null when it may. A user
   * who already has a session on the VM gets it back (a reconnect): neither room nor accepting
   * matters then.
   *
   * @param used sessions plus starts in flight
   */
  public static StartRefusal refusal(
      String vmPool, String pool, boolean userIsThere, boolean accepting, int used, int capacity) {
    if (!vmPool.equals(pool)) {
      return StartRefusal.START_REFUSAL_WRONG_POOL;
    }
    if (userIsThere) {
      return null;
    }
    if (!accepting) {
      return StartRefusal.START_REFUSAL_NOT_ACCEPTING;
    }
    return used < capacity ? null : StartRefusal.START_REFUSAL_FULL;
  }

  /** Whether a VM has room for a new session: accepting, and fewer used than its capacity. */
  public static boolean hasRoom(boolean accepting, int used, int capacity) {
    return accepting && used < capacity;
  }

  /** A refusal in words, for logs and answers: "full", "not accepting new sessions", ... */
  public static String describe(StartRefusal refusal, String detail) {
    String words = switch (refusal) {
      case START_REFUSAL_WRONG_POOL -> "the VM is in another pool";
      case START_REFUSAL_NOT_ACCEPTING -> "not accepting new sessions";
      case START_REFUSAL_FULL -> "full";
      case START_REFUSAL_HOST_FAILED -> "host failed";
      case START_REFUSAL_CANCELLED -> "start was cancelled";
      case START_REFUSAL_REQUEST_ID_TAKEN -> "request id already used by another user";
      case START_REFUSAL_SESSION_ENDED -> "the session this request started has ended";
      case START_REFUSAL_UNSPECIFIED, UNRECOGNIZED -> "refused";
    };
    return detail == null || detail.isEmpty() ? words : words + ": " + detail;
  }
}
