package io.shardbroker.broker;

import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.Session;

/**
 * A session as the broker hands it to a client: the session, where it runs, and whether it is one
 * the user already had.
 */
public record BrokeredSession(
    Session session, String vmId, String setId, String concentratorId, boolean reconnected) {

  public Connection connection() {
    return session.getConnection();
  }
}
