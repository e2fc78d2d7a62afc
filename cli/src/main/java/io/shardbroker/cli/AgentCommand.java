package io.shardbroker.cli;

import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.host.ExecSessionHost;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.AgentConfig;
import io.shardbroker.cli.config.RoleConfigs.HostConfig;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
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
        "%nSessions are started by a session host: 'exec' runs your scripts (the start script gets SHARDBROKER_SESSION_ID, SHARDBROKER_USER, SHARDBROKER_POOL and SHARDBROKER_VM_ID in its environment and prints {\"host\": ..., \"port\": ..., \"protocol\": ...}); 'simulated' pretends."
    })
final class AgentCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin TlsOptions tls;

  @Option(names = "--vm-id", paramLabel = "ID", description = "This VM's id, unique in the fleet.")
  String vmId;

  @Option(names = "--pool", paramLabel = "NAME", description = "The pool this VM serves.")
  String pool;

  @Option(names = "--capacity", paramLabel = "N", description = "Sessions it may run at once (default: 1, a single-user desktop).")
  Integer capacity;

  @Option(names = "--host", paramLabel = "TYPE", description = "Session host: exec or simulated (default: exec when scripts are configured, else simulated).")
  String hostType;

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
    SessionHost host = host(config.host(), id, scheduler);
    LinkSecurity security = tls.resolve(config.tls(), "the agent of VM " + id, peer -> peer.mayActAsVm(id),
        Role.AGENT, id);
    ChannelSource channels = Roles.agentChannels(security);
    Agent agent = new Agent(settings, host, channels, scheduler, Clock.systemUTC(), new SecureRandom());
    agent.start();
    System.out.printf("shardbroker agent %s ready: pool %s, capacity %d, %d set(s), %s%n", id, poolName,
        cap, settings.topology().getSetsCount(), security.describe());
    System.out.flush();
    return Lifecycle.runUntilStopped("agent " + id,
        List.<AutoCloseable>of(agent, channels, scheduler::shutdownNow));
  }

  private SessionHost host(HostConfig config, String id, ScheduledExecutorService scheduler) {
    HostConfig h = config != null ? config
        : new HostConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    List<String> start = startScript != null ? List.of(startScript.toString()) : h.start();
    List<String> end = endScript != null ? List.of(endScript.toString()) : h.end();
    List<String> ticket = ticketScript != null ? List.of(ticketScript.toString()) : h.ticket();
    List<String> list = listScript != null ? List.of(listScript.toString()) : h.list();
    String type = hostType != null ? hostType : h.type() != null ? h.type()
        : start != null ? "exec" : "simulated";
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
      default -> throw new IllegalArgumentException("session host must be exec or simulated, got '" + type + "'");
    };
  }
}
