package io.shardbroker.cli;

import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.display.DisplayRelay;
import io.shardbroker.agent.host.ExecSessionHost;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.host.vnc.VncDesktops;
import io.shardbroker.agent.host.vnc.VncHostSettings;
import io.shardbroker.cli.config.Addresses;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.AgentConfig;
import io.shardbroker.cli.config.RoleConfigs.HostConfig;
import io.shardbroker.cli.config.RoleConfigs.RelayConfig;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    subcommands = AgentEnrollCommand.class,
    header = "Runs the agent of one VM.",
    description = {
        "Runs the agent of one VM: it attaches to one concentrator in every set, reports the VM's state, and alone decides whether a session may start here.",
        "%nIts certificate comes from 'shardbroker certs issue --role agent' or, without the key leaving the VM, from 'shardbroker agent enroll'.",
        "%nSessions are started by a session host: 'vnc' runs each session as a TigerVNC Xvnc desktop of its own (Debian: apt-get install " + VncHostSettings.PACKAGES + ") that users open in the browser through a broker, which reaches it through this agent's display relay (TLS, brokers only); 'exec' runs your scripts (the start script gets SHARDBROKER_SESSION_ID, SHARDBROKER_USER, SHARDBROKER_POOL and SHARDBROKER_VM_ID in its environment and prints {\"host\": ..., \"port\": ..., \"protocol\": ...}); 'simulated' pretends."
    })
final class AgentCommand implements Callable<Integer> {

  static final String RELAY_LISTEN_DEFAULT = "0.0.0.0:5950";

  @Mixin CommonOptions common;
  @Mixin TlsOptions tls;

  @Option(names = "--vm-id", paramLabel = "ID", description = "This VM's id, unique in the fleet.")
  String vmId;

  @Option(names = "--pool", paramLabel = "NAME", description = "The pool this VM serves.")
  String pool;

  @Option(names = "--capacity", paramLabel = "N", description = "Sessions it may run at once (default: 1, a single-user desktop).")
  Integer capacity;

  @Option(names = "--host", paramLabel = "TYPE", description = "Session host: vnc, exec or simulated (default: exec when scripts are configured, else simulated).")
  String hostType;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the agent keeps its state, such as the vnc host's sessions, which outlive the agent "
          + "(default: /var/lib/shardbroker/agent as root, else ~/.local/state/shardbroker/agent).")
  Path dataDir;

  @Option(names = "--relay-listen", paramLabel = "HOST:PORT",
      description = "vnc host: where the display relay listens for brokers (default: " + RELAY_LISTEN_DEFAULT + ").")
  String relayListen;

  @Option(names = "--start-script", paramLabel = "PATH", description = "exec host: script that starts a session and prints its connection as JSON.")
  Path startScript;

  @Option(names = "--end-script", paramLabel = "PATH", description = "exec host: script that logs a session off.")
  Path endScript;

  @Option(names = "--ticket-script", paramLabel = "PATH",
      description = "exec host: script told each one-time connection ticket before the user gets it "
          + "(SHARDBROKER_TICKET, SHARDBROKER_TICKET_EXPIRES_AT), for the desktop's gateway to accept it once.")
  Path ticketScript;

  @Option(names = "--list-script", paramLabel = "PATH",
      description = "exec host: script that prints the sessions running on the VM as a JSON array, run at start "
          + "(so a restarted agent knows them) and every host.listInterval (default 10s) to see logoffs.")
  Path listScript;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    AgentConfig config = ConfigFiles.read(common.config, AgentConfig.class);
    String id = vmId != null ? vmId : config.vmId();
    String poolName = pool != null ? pool : config.pool();
    if (id == null || poolName == null) {
      throw new IllegalArgumentException("give the VM id and pool (--vm-id, --pool, or vmId/pool in the config file)");
    }
    int cap = capacity != null ? capacity : CommonOptions.orDefault(config.capacity(), 1);
    AgentSettings settings = new AgentSettings(id, poolName, cap, common.topology(config.topology()));
    ScheduledExecutorService scheduler = Roles.scheduler("agent", 1);
    LinkSecurity security = tls.resolve(config.tls(), "the agent of VM " + id, peer -> peer.mayActAsVm(id),
        Role.AGENT, id);
    ChannelSource channels = Roles.agentChannels(security);
    HostConfig h = config.host() != null ? config.host()
        : new HostConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();
    List<AutoCloseable> resources = new java.util.ArrayList<>();
    String desktops = "";
    Agent agent;
    if ("vnc".equals(type(h))) {
      VncDesktops vnc = new VncDesktops(vncSettings(h, dataDir(config)), clock, random);
      agent = new Agent(settings, vnc.host(), channels, scheduler, clock, random);
      Connection relay = startRelay(vnc, config.relay(), agent, security);
      desktops = ", desktops on Xvnc, display relay at " + relay.getHost() + ":" + relay.getPort();
      resources.add(agent);
      resources.add(vnc);
    } else {
      agent = new Agent(settings, host(h, id, scheduler), channels, scheduler, clock, random);
      resources.add(agent);
    }
    agent.start();
    System.out.printf("shardbroker agent %s ready: pool %s, capacity %d, %d set(s), %s%s%n", id, poolName,
        cap, settings.topology().getSetsCount(), security.describe(), desktops);
    System.out.flush();
    resources.add(channels);
    resources.add(scheduler::shutdownNow);
    return Lifecycle.runUntilStopped("agent " + id, resources);
  }

  private String type(HostConfig h) {
    return hostType != null ? hostType : h.type() != null ? h.type()
        : startScript != null || h.start() != null ? "exec" : "simulated";
  }

  private static VncHostSettings vncSettings(HostConfig h, Path dataDir) {
    VncHostSettings defaults = VncHostSettings.defaults(dataDir.resolve("vnc"));
    return new VncHostSettings(
        CommonOptions.orDefault(h.xvnc(), defaults.xvnc()),
        CommonOptions.orDefault(h.command(), defaults.sessionCommand()),
        CommonOptions.orDefault(h.geometry(), defaults.geometry()),
        CommonOptions.orDefault(h.depth(), defaults.depth()),
        defaults.directory(), defaults.startTimeout(), false);
  }

  /** The display relay: where it listens, the name brokers dial, TLS that only brokers pass. */
  private Connection startRelay(VncDesktops vnc, RelayConfig config, Agent agent, LinkSecurity security)
      throws java.io.IOException {
    RelayConfig c = config != null ? config : new RelayConfig(null, null, null);
    InetSocketAddress listen = Addresses.parse("relay.listen",
        relayListen != null ? relayListen : CommonOptions.orDefault(c.listen(), RELAY_LISTEN_DEFAULT));
    DisplayRelay.Settings settings = new DisplayRelay.Settings(listen.getAddress(), listen.getPort(),
        CommonOptions.orDefault(c.maxOpen(), DisplayRelay.Settings.MAX_OPEN_DEFAULT),
        DisplayRelay.Settings.HANDSHAKE_TIMEOUT_DEFAULT);
    SSLContext tls = security.plaintext() ? null : JsseTls.context(security.credentials(), Set.of(Role.BROKER));
    return vnc.startRelay(settings, tls, c.advertise() != null ? c.advertise() : advertisedHost(listen),
        agent::admit, agent.displayActivity());
  }

  /** The listening address when it is one, else this machine's name: what brokers dial. */
  private static String advertisedHost(InetSocketAddress listen) {
    if (!listen.getAddress().isAnyLocalAddress()) {
      return listen.getAddress().getHostAddress();
    }
    try {
      return InetAddress.getLocalHost().getCanonicalHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** The agent's state directory: as given, else the usual place for root or for a user. */
  private Path dataDir(AgentConfig config) {
    if (dataDir != null) {
      return dataDir;
    }
    if (config.dataDir() != null) {
      return Path.of(config.dataDir());
    }
    return "root".equals(System.getProperty("user.name")) ? Path.of("/var/lib/shardbroker/agent")
        : Path.of(System.getProperty("user.home"), ".local", "state", "shardbroker", "agent");
  }

  private SessionHost host(HostConfig h, String id, ScheduledExecutorService scheduler) {
    List<String> start = startScript != null ? List.of(startScript.toString()) : h.start();
    List<String> end = endScript != null ? List.of(endScript.toString()) : h.end();
    List<String> ticket = ticketScript != null ? List.of(ticketScript.toString()) : h.ticket();
    List<String> list = listScript != null ? List.of(listScript.toString()) : h.list();
    String type = type(h);
    String protocol = CommonOptions.orDefault(h.protocol(), "rdp");
    return switch (type) {
      case "exec" -> new ExecSessionHost(new ExecSessionHost.Settings(start, end,
          CommonOptions.orDefault(h.timeout(), Duration.ofSeconds(60)), protocol, null, ticket)
          .withList(list, CommonOptions.orDefault(h.listInterval(), ExecSessionHost.Settings.LIST_INTERVAL_DEFAULT)));
      case "simulated" -> new SimulatedSessionHost(id, new SimulatedSessionHost.Settings(protocol,
          CommonOptions.orDefault(h.port(), 3389),
          CommonOptions.orDefault(h.startDelay(), Duration.ZERO),
          CommonOptions.orDefault(h.sessionLength(), Duration.ZERO),
          CommonOptions.orDefault(h.failureRate(), 0.0)), scheduler, new SecureRandom());
      default -> throw new IllegalArgumentException("session host must be vnc, exec or simulated, got '" + type + "'");
    };
  }
}
