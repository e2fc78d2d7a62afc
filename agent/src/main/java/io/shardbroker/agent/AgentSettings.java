package io.shardbroker.agent;

import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.v1.Topology;
import java.time.Duration;

/**
 * What an agent needs to know about its VM and the concentrators.
 *
 * @param vmId the VM's id, unique in the fleet
 * @param pool the pool the VM serves
 * @param capacity how many sessions it may run at once: 1 for a single-user desktop
 * @param topology the sets of concentrators to attach to; a newer one from a concentrator wins
 * @param reconnectInitial first delay before reconnecting after a stream fails
 * @param reconnectMax longest delay between reconnect attempts
 */
public record AgentSettings(
    String vmId,
    String pool,
    int capacity,
    Topology topology,
    Duration reconnectInitial,
    Duration reconnectMax) {

  public static final Duration RECONNECT_INITIAL_DEFAULT = Duration.ofMillis(200);
  public static final Duration RECONNECT_MAX_DEFAULT = Duration.ofSeconds(10);
  public static final int MAX_CAPACITY = 10_000;

  public AgentSettings {
    Names.require("VM id", vmId);
    Names.require("pool", pool);
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be 1.." + MAX_CAPACITY + ", got " + capacity + " (VM " + vmId + ")");
    }
    if (topology == null || topology.getSetsCount() == 0) {
      throw new IllegalArgumentException("the topology names no concentrator set (VM " + vmId + ")");
    }
    if (reconnectInitial.isNegative() || reconnectInitial.isZero()
        || reconnectMax.compareTo(reconnectInitial) < 0) {
      throw new IllegalArgumentException("reconnect delays must be positive with max >= initial, got "
          + reconnectInitial + " and " + reconnectMax);
    }
  }

  public AgentSettings(String vmId, String pool, int capacity, Topology topology) {
    this(vmId, pool, capacity, topology, RECONNECT_INITIAL_DEFAULT, RECONNECT_MAX_DEFAULT);
  }

}
