package io.shardbroker.cli;

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
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.Role;
import io.shardbroker.store.Seed;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A whole shardbroker in one process on real loopback sockets: concentrators in sets, a simulated
 * fleet, a store and a broker. The demo runs one; so can tests that want every role in one JVM.
 *
 * <p>Concentrators bind free ports first; the topology is then built from the ports they got.
 *
 * <p>Every gRPC link runs mutual TLS, with certificates of a private CA made in memory at start
 * and never written anywhere: concentrators for 127.0.0.1, the broker, and the simulated fleet
 * (for the VM ids of its pools).
 */
final class LocalCluster implements AutoCloseable {

  /**
   * @param sets how many sets of concentrators
   * @param concentratorsPerSet concentrators in each set
   * @param fleet the simulated VMs
   * @param httpHost where the broker listens
   * @param httpPort the broker's port (0: a free one)
   * @param store where the broker keeps its state
   * @param seed users, groups, pools and entitlements the store starts with
   * @param heartbeatInterval how often agents report in
   * @param signInNotice what the portal shows above its sign-in form; empty for nothing
   */
  record Spec(
      int sets, int concentratorsPerSet, SimulatedFleet.Spec fleet, String httpHost, int httpPort,
      StoreSettings store, Seed seed, Duration heartbeatInterval, String signInNotice) {}

  private static final String BROKER_ID = "local-broker";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<ConcentratorServer> concentrators = new ArrayList<>();
  private final List<AdminHttpServer> concentratorMetrics = new ArrayList<>();
  private final Topology topology;
  private final SimulatedFleet fleet;
  private final Store store;
  private final BrokerServer broker;

  private LocalCluster(Spec spec) throws IOException {
    CertificateAuthority ca = CertificateAuthority.create("shardbroker local CA", Clock.systemUTC());
    this.store = BrokerStore.open(spec.store(), spec.seed(), BROKER_ID, Clock.systemUTC());
    ScheduledExecutorService scheduler = Roles.scheduler("cluster", 2);
    try {
      Topology.Builder topology = Topology.newBuilder().setVersion(1);
      for (int s = 0; s < spec.sets(); s++) {
        String setId = String.valueOf((char) ('a' + s));
        ConcentratorSet.Builder set = ConcentratorSet.newBuilder().setId(setId);
        for (int c = 1; c <= spec.concentratorsPerSet(); c++) {
          String id = setId + c;
          PrometheusMeterRegistry meters = Roles.meters();
          ConcentratorServer server = new ConcentratorServer(
              ConcentratorSettings.defaults(id, setId, Topology.getDefaultInstance())
                  .withHeartbeatInterval(spec.heartbeatInterval())
                  .withWarmUp(Duration.ZERO),  // they start with the fleet: no agent is on its way back
              Roles.concentratorServer(new InetSocketAddress("127.0.0.1", 0),
                  issue(ca, Identity.of(Role.CONCENTRATOR, id), List.of("127.0.0.1"))), Clock.systemUTC(), scheduler,
              meters).start();
          concentrators.add(server);
          AdminHttpServer admin = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0))
              .route("/metrics", "text/plain; version=0.0.4; charset=utf-8", meters::scrape)
              .start();
          concentratorMetrics.add(admin);
          set.addConcentrators(ConcentratorEndpoint.newBuilder()
              .setId(id).setAddress("127.0.0.1:" + server.port()));
        }
        topology.addSets(set);
      }
      this.topology = topology.build();

      ChannelSource channels = Roles.agentChannels(issue(ca, new Identity(Role.FLEET,
          spec.fleet().pools().stream().map(p -> p.pool() + "-").toList()), List.of()));
      this.fleet = new SimulatedFleet(spec.fleet(), this.topology, channels, scheduler, Clock.systemUTC());
      fleet.start();

      LinkSecurity brokerLinks = issue(ca, Identity.of(Role.BROKER, BROKER_ID), List.of());
      BrokerSettings settings = BrokerSettings.of(BROKER_ID, spec.httpHost(), spec.httpPort(), this.topology);
      this.broker = new BrokerServer(
          settings.withSecurity(settings.security().withSignIn(
              settings.security().signIn().withNotice(spec.signInNotice()))),
          store, address -> Roles.concentratorChannel(address, brokerLinks), scheduler, Clock.systemUTC(),
          Roles.meters()).start();

      // Closed in this order: clients first, so nothing is asked of a server already gone; the
      // store after the broker, so it writes the history the broker queued.
      resources.add(broker);
      resources.add(store);
      resources.add(fleet);
      resources.add(channels);
      resources.addAll(concentratorMetrics);
      resources.addAll(concentrators);
      resources.add(scheduler::shutdownNow);
    } catch (IOException | RuntimeException e) {
      Lifecycle.closeAll(concentrators);
      scheduler.shutdownNow();
      store.close();
      throw e;
    }
  }

  private static LinkSecurity issue(CertificateAuthority ca, Identity identity, List<String> hosts) {
    return LinkSecurity.tls(ca.issue(identity, hosts, CertificateAuthority.VALIDITY_DEFAULT));
  }

  static LocalCluster start(Spec spec) throws IOException {
    return new LocalCluster(spec);
  }

  Topology topology() {
    return topology;
  }

  SimulatedFleet fleet() {
    return fleet;
  }

  Store store() {
    return store;
  }

  BrokerServer broker() {
    return broker;
  }

  /** The concentrators, set by set; a test may close one to see the rest carry on. */
  List<ConcentratorServer> concentrators() {
    return List.copyOf(concentrators);
  }

  /** Concentrator id -> its /metrics URL. */
  List<String> concentratorMetricUrls() {
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < concentrators.size(); i++) {
      urls.add(concentrators.get(i).settings().id() + " " + concentratorMetrics.get(i).url("/metrics"));
    }
    return urls;
  }

  /** True when every VM is attached in every set and the broker sees a concentrator up. */
  boolean ready() {
    return fleet.attachedLinks() == fleet.size() * topology.getSetsCount() && broker.ready();
  }

  @Override
  public void close() {
    Lifecycle.closeAll(resources);
  }
}
