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
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Actor;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import io.shardbroker.store.User;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
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
  /** The newest topology; changed by {@link #addConcentrator}. */
  volatile Topology topology;
  final Map<String, ConcentratorServer> concentrators = new LinkedHashMap<>();
  final SimulatedFleet fleet;
  final Store store;
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
        startConcentrator(set.getId(), c, Duration.ZERO);  // starts with its fleet: nobody is on the way
      }
    }
    agentChannels = new ChannelSource(name -> InProcessChannelBuilder.forName(name).build());
    fleet = new SimulatedFleet(fleetSpec, this.topology, agentChannels, clock, clock);
    fleet.start();
    store = Store.open(StoreSettings.of("jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=-1", null, null)
        .withPasswordHashing(PasswordHashing.FAST), clock);
    store.apply(seed(fleetSpec, users), new Actor("seed", "test"));
    broker = new BrokerServer(BrokerSettings.of("test-broker", "127.0.0.1", 0, this.topology), store,
        name -> InProcessChannelBuilder.forName(name).build(), clock, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
  }

  /** Every fleet pool (floating), every user in group "everyone", which may use every pool. */
  private static Seed seed(SimulatedFleet.Spec fleetSpec, Map<String, String> users) {
    List<Pool> pools = fleetSpec.pools().stream()
        .map(p -> new Pool(p.pool(), p.pool(), Pool.Kind.FLOATING,
            p.capacity() > 1 ? Pool.SessionMode.MULTI : Pool.SessionMode.SINGLE, "rdp", true))
        .toList();
    List<User.New> accounts = users.entrySet().stream()
        .map(u -> new User.New(u.getKey(), u.getKey(), u.getValue(), true, List.of("everyone")))
        .toList();
    return new Seed(pools, List.of(new Group("everyone", "", List.of())), accounts,
        pools.stream().map(p -> new Seed.SeedEntitlement(p.name(), null, "everyone")).toList());
  }

  /** Starts a concentrator; a restarted or added one warms up as in production. */
  private void startConcentrator(String setId, ConcentratorEndpoint c, Duration warmUp) throws IOException {
    ConcentratorServer server = new ConcentratorServer(
        ConcentratorSettings.defaults(c.getId(), setId, topology).withWarmUp(warmUp),
        InProcessServerBuilder.forName(c.getAddress()), clock, clock, new SimpleMeterRegistry())
        .start();
    concentrators.put(c.getId(), server);
  }

  /** Stops a concentrator as a shutdown would: its agents' streams end. */
  void stopConcentrator(String id) {
    concentrators.remove(id).close();
  }

  /** Starts a stopped concentrator again, empty, at its old address. */
  void restartConcentrator(String id) throws IOException {
    for (ConcentratorSet set : topology.getSetsList()) {
      for (ConcentratorEndpoint c : set.getConcentratorsList()) {
        if (c.getId().equals(id)) {
          startConcentrator(set.getId(), c, ConcentratorSettings.defaultWarmUp(
              ConcentratorSettings.HEARTBEAT_INTERVAL_DEFAULT));
          return;
        }
      }
    }
    throw new IllegalArgumentException("no concentrator " + id);
  }

  /**
   * Adds a concentrator to a set at runtime, as an operator editing the topology file does: starts
   * it, then hands the next topology version to every running concentrator and the broker.
   */
  void addConcentrator(String setId, String id) throws IOException {
    Topology.Builder next = topology.toBuilder().setVersion(topology.getVersion() + 1);
    ConcentratorEndpoint added = ConcentratorEndpoint.newBuilder().setId(id).setAddress(prefix + id).build();
    for (ConcentratorSet.Builder set : next.getSetsBuilderList()) {
      if (set.getId().equals(setId)) {
        set.addConcentrators(added);
      }
    }
    topology = next.build();
    startConcentrator(setId, added, ConcentratorSettings.defaultWarmUp(
        ConcentratorSettings.HEARTBEAT_INTERVAL_DEFAULT));
    for (ConcentratorServer c : concentrators.values()) {
      c.updateTopology(topology);
    }
    broker.updateTopology(topology);
  }

  /** VM id -> set id -> the concentrator its agent is attached to. */
  Map<String, Map<String, String>> attachments() {
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    for (var agent : fleet.agents()) {
      all.put(agent.vmId(), agent.attachments());
    }
    return all;
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
    store.close();
    fleet.close();
    agentChannels.close();
    new ArrayList<>(concentrators.values()).forEach(ConcentratorServer::close);
    clock.shutdownNow();
  }
}
