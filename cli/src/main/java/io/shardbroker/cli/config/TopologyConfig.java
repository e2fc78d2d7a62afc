package io.shardbroker.cli.config;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code topology} section of every config file, or a topology file of its own:
 *
 * <pre>
 * version: 1
 * sets:
 *   - id: a
 *     concentrators:
 *       - {id: a1, address: "127.0.0.1:7101"}
 * </pre>
 */
public record TopologyConfig(Long version, List<SetConfig> sets) {

  public record SetConfig(String id, List<EndpointConfig> concentrators) {}

  public record EndpointConfig(String id, String address) {}

  public Topology toProto() {
    Topology.Builder topology = Topology.newBuilder().setVersion(version == null ? 1 : version);
    for (SetConfig set : sets == null ? List.<SetConfig>of() : sets) {
      if (set.id() == null) {
        throw new IllegalArgumentException("a set in the topology has no id");
      }
      ConcentratorSet.Builder s = ConcentratorSet.newBuilder().setId(set.id());
      for (EndpointConfig c : set.concentrators() == null ? List.<EndpointConfig>of() : set.concentrators()) {
        if (c.id() == null || c.address() == null) {
          throw new IllegalArgumentException("every concentrator of set " + set.id() + " needs an id and an address");
        }
        Addresses.requireHostPort("address of concentrator " + c.id(), c.address());
        s.addConcentrators(ConcentratorEndpoint.newBuilder().setId(c.id()).setAddress(c.address()));
      }
      topology.addSets(s);
    }
    return topology.build();
  }

  /**
   * Reads the {@code --set} flag form: {@code a=a1@127.0.0.1:7101,a2@127.0.0.1:7102}, one flag per
   * set.
   */
  public static TopologyConfig fromFlags(List<String> sets) {
    List<SetConfig> parsed = new ArrayList<>();
    for (String flag : sets) {
      int eq = flag.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--set '" + flag + "' should look like a=a1@127.0.0.1:7101,a2@127.0.0.1:7102");
      }
      List<EndpointConfig> members = new ArrayList<>();
      for (String member : flag.substring(eq + 1).split(",")) {
        int at = member.indexOf('@');
        if (at <= 0) {
          throw new IllegalArgumentException("--set member '" + member + "' should look like a1@127.0.0.1:7101");
        }
        members.add(new EndpointConfig(member.substring(0, at).trim(), member.substring(at + 1).trim()));
      }
      parsed.add(new SetConfig(flag.substring(0, eq).trim(), members));
    }
    return new TopologyConfig(1L, parsed);
  }
}
