package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.Topology;

/**
 * The newest topology this concentrator knows: from its settings at start, then from updates
 * (a changed topology file). Only ever moves to a higher version.
 *
 * <p>Thread-safe: read often (every Welcome, every health check), replaced rarely.
 */
final class CurrentTopology {

  private volatile Topology topology;

  CurrentTopology(Topology initial) {
    this.topology = initial;
  }

  Topology get() {
    return topology;
  }

  /** Takes {@code offered} if its version is higher; true when it did. */
  synchronized boolean offer(Topology offered) {
    if (offered.getVersion() <= topology.getVersion()) {
      return false;
    }
    topology = offered;
    return true;
  }
}
