package io.shardbroker.agent.host;

import io.shardbroker.protocol.v1.SessionPolicy;

/**
 * The session a host is asked to start; the agent has already chosen its id.
 *
 * @param policy when the agent logs it off by itself; a host that outlives the agent keeps it, so
 *     a restarted agent still applies it
 */
public record SessionSpec(String sessionId, String user, String pool, String vmId, SessionPolicy policy) {

  public SessionSpec {
    policy = policy != null ? policy : SessionPolicy.getDefaultInstance();
  }

  /** A session without a logoff policy. */
  public SessionSpec(String sessionId, String user, String pool, String vmId) {
    this(sessionId, user, pool, vmId, null);
  }
}
