package io.shardbroker.cli;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.broker.BrokerServer;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.broker.ConfiguredUsers;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every role in this JVM over in-process gRPC, with one {@link FakeClock} as every role's clock
 * and scheduler: heartbeats, sweeps, timeouts and reconnects happen only when a test advances it.
 * The broker's HTTP API is real (loopback, free port).
 */
final class InProcessCluster implements AutoCloseable {

  final FakeClock clock = new FakeClock();
  final Topology topology;
  final Map<String, ConcentratorServer> concentrators = new LinkedHashMap<>();
  final SimulatedFleet fleet;
  final BrokerServer broker;
  private final ChannelSource agentChannels;
  private final String prefix = "cluster-" + UUID.randomUUID() + "-";

  InProcessCluster(int sets, int perSet, SimulatedFleet.Spec fleetSpec, Map<String, String> users)
      throws IOException {
    Topology.Builder topology = Topology.newBuilder().setVersion(1);
    for (int s = 0; s < sets; s++) {
      String setId = String.valueOf((char) ('a' + s));
      ConcentratorSet.Builder set = ConcentratorSet.newBuilder().setId(setId);
      for (int c = 1; c <= perSet; c++) {
        set.addConcentrators(ConcentratorEndpoint.newBuilder()
            .setId(setId + c).setAddress(prefix + setId + c));
      }
      topology.addSets(set);
    }
    this.topology = topology.build();
    for (ConcentratorSet set : this.topology.getSetsList()) {
      for (ConcentratorEndpoint c : set.getConcentratorsList()) {
        startConcentrator(set.getId(), c);
      }
    }
    agentChannels = new ChannelSource(name -> InProcessChannelBuilder.forName(name).build());
    fleet = new SimulatedFleet(fleetSpec, this.topology, agentChannels, clock, clock);
    fleet.start();
    List<String> pools = fleetSpec.pools().stream().map(SimulatedFleet.PoolSpec::pool).toList();
    broker = new BrokerServer(BrokerSettings.of("127.0.0.1", 0, this.topology, pools),
        new ConfiguredUsers(users), name -> InProcessChannelBuilder.forName(name).build(), clock, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
  }

  private void startConcentrator(String setId, ConcentratorEndpoint c) throws IOException {
    ConcentratorServer server = new ConcentratorServer(
        ConcentratorSettings.defaults(c.getId(), setId, topology),
        InProcessServerBuilder.forName(c.getAddress()), clock, clock, new SimpleMeterRegistry())
        .start();
    concentrators.put(c.getId(), server);
  }

  /** Stops a concentrator as a shutdown would: its agents' streams end. */
  void stopConcentrator(String id) {
    concentrators.remove(id).close();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + broker.port();
  }

  boolean fullyAttached() {
    return fleet.attachedLinks() == fleet.size() * topology.getSetsCount();
  }

  @Override
  public void close() {
    broker.close();
    fleet.close();
    agentChannels.close();
    new ArrayList<>(concentrators.values()).forEach(ConcentratorServer::close);
    clock.shutdownNow();
  }
}
