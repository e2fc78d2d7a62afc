package io.shardbroker.agent.host;

import io.shardbroker.protocol.v1.Connection;
import java.time.Instant;

/**
 * A session that runs on a host, as the host itself knows it: what a restarted agent starts from,
 * and what it compares its own view with (see {@link SessionHost#running}).
 *
 * @param startedAt when it started, or null when the host does not know
 */
public record HostedSession(String sessionId, String user, String pool, Connection connection, Instant startedAt) {}
