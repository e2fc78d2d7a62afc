package io.shardbroker.harness;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which concentrators a cluster has, in which set, at which address, and the topology that says
 * so: the spec's sets at version 1, then a version more for every concentrator added. Not
 * thread-safe: its cluster guards it.
 */
final class Membership {

  private final Function<String, String> addressOf;
  private final Map<String, String> setOf = new LinkedHashMap<>();
  private Topology topology;

  /** @param addressOf where concentrator {@code id} listens, as the topology names it */
  Membership(ClusterSpec spec, Function<String, String> addressOf) {
    this.addressOf = addressOf;
    Topology.Builder built = Topology.newBuilder().setVersion(1);
    for (int s = 0; s < spec.sets(); s++) {
      String set = ClusterSpec.setId(s);
      ConcentratorSet.Builder members = ConcentratorSet.newBuilder().setId(set);
      for (int c = 1; c <= spec.concentratorsPerSet(); c++) {
        members.addConcentrators(endpoint(set, set + c));
      }
      built.addSets(members);
    }
    topology = built.build();
  }

  private ConcentratorEndpoint endpoint(String set, String id) {
    setOf.put(id, set);
    return ConcentratorEndpoint.newBuilder().setId(id).setAddress(addressOf.apply(id)).build();
  }

  Topology topology() {
    return topology;
  }

  /** Every concentrator's id, set by set, those added since included. */
  List<String> concentrators() {
    return List.copyOf(setOf.keySet());
  }

  boolean isConcentrator(String id) {
    return setOf.containsKey(id);
  }

  /** The set of concentrator {@code id}. */
  String setOf(String id) {
    return setOf.get(id);
  }

  /**
   * Adds concentrator {@code id} to {@code set}; returns the next version of the topology, which
   * names it.
   */
  Topology add(String set, String id) {
    if (setOf.containsKey(id)) {
      throw new IllegalArgumentException("there is a concentrator " + id + " already");
    }
    Topology.Builder next = topology.toBuilder().setVersion(topology.getVersion() + 1);
    ConcentratorSet.Builder members = next.getSetsBuilderList().stream()
        .filter(s -> s.getId().equals(set)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("there is no set " + set));
    members.addConcentrators(endpoint(set, id));
    topology = next.build();
    return topology;
  }
}
