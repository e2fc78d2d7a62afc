package io.shardbroker.agent.host;

import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.SessionPolicy;
import java.time.Instant;

/**
 * A session that runs on a host, as the host itself knows it: what a restarted agent starts from,
 * and what it compares its own view with (see {@link SessionHost#running}).
 *
 * @param startedAt when it started, or null when the host does not know
 * @param policy when the agent logs it off by itself, as the host kept it; none when it did not
 */
public record HostedSession(
    String sessionId, String user, String pool, Connection connection, Instant startedAt, SessionPolicy policy) {

  public HostedSession {
    policy = policy != null ? policy : SessionPolicy.getDefaultInstance();
  }

  /** A session whose host keeps no policy. */
  public HostedSession(String sessionId, String user, String pool, Connection connection, Instant startedAt) {
    this(sessionId, user, pool, connection, startedAt, null);
  }
}
