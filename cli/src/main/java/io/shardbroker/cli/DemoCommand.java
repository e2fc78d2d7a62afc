package io.shardbroker.cli;

import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.host.vnc.VncHostSettings;
import io.shardbroker.agent.host.vnc.VncSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.InProcessCluster;
import io.shardbroker.harness.InProcessLinks;
import io.shardbroker.store.Group;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Runs everything in one process: a broker, 2x2 concentrators, 240 simulated VMs.",
    description = {
        "Runs a whole shardbroker in this process, bound to 127.0.0.1 only: a broker with its HTTP API and an embedded store under --data, 2 sets of 2 concentrators, and 240 simulated VMs (pool 'desktop': 160 single-user desktops; pool 'shared': 40 hosts of 8 sessions each; pool 'engineering': 40 dedicated workstations). Every gRPC link runs mutual TLS, with certificates of a CA made in memory at start.",
        "",
        "Then open http://127.0.0.1:8080/ in a browser for the user portal (sign in as bob to get a desktop) and "
            + "http://127.0.0.1:8080/admin for the admin console (alice). Users alice (in 'admins'), bob and carol "
            + "sign in with the password '" + DemoCommand.PASSWORD + "'. Ctrl-C stops it."
    })
final class DemoCommand implements Callable<Integer> {

  static final String PASSWORD = "demo-pass";
  /** Shown above the portal's sign-in form, so that a first visitor knows how to get in. */
  static final String SIGN_IN_NOTICE = "This is the shardbroker demo. Sign in as bob to get a desktop, or as "
      + "alice to manage the fleet at /admin. The password is " + PASSWORD + ".";
  /** Who and what the demo's store starts with; applied at every start, it adds each item once. */
  static final Seed SEED = new Seed(
      List.of(new Pool("desktop", "Office desktop", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "rdp", true),
          new Pool("shared", "Shared apps host", Pool.Kind.FLOATING, Pool.SessionMode.MULTI, "rdp", true),
          new Pool("engineering", "Engineering workstation", Pool.Kind.DEDICATED, Pool.SessionMode.SINGLE,
              "rdp", true)),
      List.of(new Group(Group.ADMINS, "may use the admin API", List.of()),
          new Group("staff", "everyone in the office", List.of()),
          new Group("engineers", "people with a dedicated workstation", List.of())),
      List.of(new User.New("alice", "Alice Admin", PASSWORD, true, List.of(Group.ADMINS, "staff", "engineers")),
          new User.New("bob", "Bob Office", PASSWORD, true, List.of("staff")),
          new User.New("carol", "Carol Engineer", PASSWORD, true, List.of("engineers"))),
      List.of(new Seed.SeedEntitlement("desktop", null, "staff"),
          new Seed.SeedEntitlement("shared", null, "staff"),
          new Seed.SeedEntitlement("engineering", null, "engineers")));

  /** The real desktops the demo runs on this machine when Xvnc is installed: pool 'linux', for staff. */
  static final Pool LINUX = new Pool("linux", "Linux desktop (real, in your browser)", Pool.Kind.FLOATING,
      Pool.SessionMode.SINGLE, "vnc", true, new Pool.LogoffPolicy(null, Duration.ofMinutes(30)));
  static final int LINUX_DESKTOPS = 2;

  /** The demo's seed, with the real desktops' pool when this machine runs them. */
  static Seed seed(boolean realDesktops) {
    if (!realDesktops) {
      return SEED;
    }
    List<Pool> pools = new ArrayList<>(SEED.pools());
    pools.add(LINUX);
    List<Seed.SeedEntitlement> entitlements = new ArrayList<>(SEED.entitlements());
    entitlements.add(new Seed.SeedEntitlement(LINUX.name(), null, "staff"));
    return new Seed(pools, SEED.groups(), SEED.users(), entitlements);
  }

  private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port of the broker's HTTP API (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--verbose", description = "Log what every role does, not only the broker.")
  boolean verbose;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = BrokerStore.DATA_DEFAULT,
      description = "Directory of the demo's embedded store: users, pools, assignments and history "
          + "survive a restart (default: ${DEFAULT-VALUE}).")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (!verbose) {
      Logging.level("io.shardbroker.agent", "WARN");
      Logging.level("io.shardbroker.concentrator", "WARN");
    }
    SimulatedFleet.Spec fleet = new SimulatedFleet.Spec(
        List.of(new SimulatedFleet.PoolSpec("desktop", 160, 1),
            new SimulatedFleet.PoolSpec("shared", 40, 8),
            new SimulatedFleet.PoolSpec("engineering", 40, 1)),
        new SimulatedSessionHost.Settings("rdp", 3389, Duration.ofMillis(20), Duration.ZERO, 0.0),
        42);
    boolean realDesktops = VncSessionHost.installedXvnc(VncHostSettings.XVNC_DEFAULT).isPresent();
    ClusterSpec.Builder builder = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(2)
        .heartbeat(Duration.ofSeconds(2))
        .fleet(fleet)
        .brokers(1)
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed(realDesktops)).withPasswordHashing(PasswordHashing.DEFAULT)
            .withFirstHttpPort(httpPort).withSignInNotice(SIGN_IN_NOTICE));
    if (realDesktops) {
      for (int i = 1; i <= LINUX_DESKTOPS; i++) {
        builder.agent(ClusterSpec.RealAgent.vnc("linux-" + i, LINUX.name(), 1));
      }
    }
    ClusterSpec spec = builder.build();
    List<AutoCloseable> resources = new ArrayList<>();
    InProcessCluster cluster = InProcessCluster.start(spec, InProcessLinks.loopback(false), Clock.systemUTC(), null,
        Files.createDirectories(data));
    resources.add(cluster);
    List<String> metrics = new ArrayList<>();
    for (String id : cluster.concentrators()) {
      AdminHttpServer admin = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0))
          .route("/metrics", "text/plain; version=0.0.4; charset=utf-8", cluster.concentratorMeters(id)::scrape)
          .start();
      resources.add(admin);
      metrics.add(id + " " + admin.url("/metrics"));
    }
    Lifecycle.awaitCondition(cluster::ready, () -> log.info("demo: {}/{} agent links attached",
        cluster.attachedLinks(), spec.expectedLinks()));
    String url = cluster.brokers().get(0).toString();
    String alice = "alice:" + PASSWORD;
    System.out.println("shardbroker demo ready: " + url + " (2 sets x 2 concentrators, 240 simulated VMs"
        + (realDesktops ? " and " + LINUX_DESKTOPS + " real Linux desktops" : "") + "; store in "
        + data.toAbsolutePath().normalize() + ")");
    if (realDesktops) {
      System.out.println("  Real desktops: pool 'linux' runs " + LINUX_DESKTOPS + " Xvnc desktops on this machine. Sign in as bob,");
      System.out.println("  press Connect on 'Linux desktop', then Open in browser, and type into a real terminal.");
    } else {
      System.out.println("  No real desktops: Xvnc is not installed. For pool 'linux', desktops you open in the browser:");
      System.out.println("    sudo apt-get install " + VncHostSettings.PACKAGES + "   (then start the demo again)");
    }
    System.out.println("  Every gRPC link runs mutual TLS 1.3, with certificates of a CA made in memory for this run;");
    System.out.println("  the HTTP API is plain HTTP because it listens on 127.0.0.1 only.");
    System.out.println("  Users (password " + PASSWORD + "): alice (admin; every pool), "
        + "bob (desktop, shared" + (realDesktops ? ", linux" : "") + "), carol (engineering)");
    System.out.println();
    System.out.println("  Open " + url + "/ in a browser and sign in, e.g. as bob;");
    System.out.println("  the admin console is " + url + "/admin (alice).");
    System.out.println();
    System.out.println("  Ask for a desktop:");
    System.out.println("    curl -u " + alice + " -H 'Content-Type: application/json' -d '{\"pool\": \"desktop\"}' " + url + "/api/v1/sessions");
    System.out.println("  Your pools:      curl -u " + alice + " " + url + "/api/v1/pools");
    System.out.println("  Your sessions:   curl -u " + alice + " " + url + "/api/v1/sessions");
    System.out.println("  End one:         curl -u " + alice + " -X DELETE " + url + "/api/v1/sessions/SESSION_ID");
    System.out.println("  The topology:    curl -u " + alice + " " + url + "/api/v1/topology");
    System.out.println("  The VMs in use:  curl -u " + alice + " '" + url + "/api/v1/vms?pool=desktop&state=in_use'");
    System.out.println("  Admin API:       curl -u " + alice + " " + url + "/api/v1/admin/sessions   (history; see "
        + url + "/api/openapi.yaml)");
    System.out.println("  Metrics:         " + url + "/metrics, and per concentrator:");
    for (String c : metrics) {
      System.out.println("                   " + c);
    }
    System.out.println();
    System.out.println("Press Ctrl-C to stop.");
    System.out.flush();
    return Lifecycle.runUntilStopped("demo", resources);
  }
}
