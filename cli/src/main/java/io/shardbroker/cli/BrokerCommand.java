package io.shardbroker.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.BrokerServer;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.broker.ConfiguredUsers;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import io.shardbroker.cli.config.RoleConfigs.TimeoutsConfig;
import io.shardbroker.cli.config.RoleConfigs.UserConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    header = "Runs a broker: the HTTP API that hands out desktops.",
    description = {
        "Runs a broker: the HTTP API that users and portals ask for desktops. It asks the concentrators of the topology for free VMs and starts sessions through them. It is stateless: run as many as you like behind a load balancer."
    })
final class BrokerCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Option(names = "--http-host", paramLabel = "HOST",
      description = "Address the HTTP API listens on (default: " + BrokerSettings.HTTP_HOST_DEFAULT + ").")
  String httpHost;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Port of the HTTP API (default: " + BrokerSettings.HTTP_PORT_DEFAULT + "; 0 picks a free one).")
  Integer httpPort;

  @Option(names = "--pool", paramLabel = "NAME", description = "A pool users may ask for; repeat for more. Adds to the config file's pools.")
  List<String> pools;

  @Option(names = "--user", paramLabel = "NAME:PASSWORD",
      description = "A user who may sign in; repeat for more. Adds to the config file's users. "
          + "Visible to other local users in the process list: prefer the config file.")
  List<String> users;

  @Override
  public Integer call() throws Exception {
    common.applyLogLevel();
    BrokerConfig config = ConfigFiles.read(common.config, BrokerConfig.class);
    BrokerSettings settings = settings(config);
    ScheduledExecutorService scheduler = Roles.scheduler("broker", 2);
    PrometheusMeterRegistry meters = Roles.meters();
    BrokerServer server = new BrokerServer(settings, new ConfiguredUsers(users(config)),
        Roles::grpcChannel, scheduler, Clock.systemUTC(), meters).start();
    System.out.printf("shardbroker broker ready: http://%s:%d%n", settings.httpHost(), server.port());
    System.out.flush();
    return Lifecycle.runUntilStopped("broker", List.<AutoCloseable>of(server, scheduler::shutdownNow));
  }

  private BrokerSettings settings(BrokerConfig config) {
    List<String> allPools = new ArrayList<>(config.pools() == null ? List.of() : config.pools());
    if (pools != null) {
      allPools.addAll(pools);
    }
    String host = httpHost != null ? httpHost
        : config.http() != null && config.http().host() != null ? config.http().host()
        : BrokerSettings.HTTP_HOST_DEFAULT;
    int port = httpPort != null ? httpPort
        : config.http() != null && config.http().port() != null ? config.http().port()
        : BrokerSettings.HTTP_PORT_DEFAULT;
    BrokerSettings.Timeouts d = BrokerSettings.Timeouts.DEFAULTS;
    TimeoutsConfig t = config.timeouts() != null ? config.timeouts()
        : new TimeoutsConfig(null, null, null, null, null, null, null);
    BrokerSettings.Timeouts timeouts = new BrokerSettings.Timeouts(
        CommonOptions.orDefault(t.find(), d.find()),
        CommonOptions.orDefault(t.start(), d.start()),
        CommonOptions.orDefault(t.end(), d.end()),
        CommonOptions.orDefault(t.list(), d.list()),
        CommonOptions.orDefault(t.request(), d.request()),
        CommonOptions.orDefault(t.healthInterval(), d.healthInterval()),
        CommonOptions.orDefault(t.retryAfter(), d.retryAfter()));
    return new BrokerSettings(host, port, common.topology(config.topology()), allPools, timeouts,
        CommonOptions.orDefault(config.candidatesPerConcentrator(),
            BrokerSettings.CANDIDATES_PER_CONCENTRATOR_DEFAULT),
        CommonOptions.orDefault(config.maxStartAttempts(), BrokerSettings.MAX_START_ATTEMPTS_DEFAULT));
  }

  private Map<String, String> users(BrokerConfig config) {
    Map<String, String> all = new LinkedHashMap<>();
    for (UserConfig u : config.users() == null ? List.<UserConfig>of() : config.users()) {
      if (u.name() == null || u.password() == null) {
        throw new IllegalArgumentException("every user in the config file needs a name and a password");
      }
      all.put(u.name(), u.password());
    }
    for (String flag : users == null ? List.<String>of() : users) {
      int colon = flag.indexOf(':');
      if (colon <= 0 || colon == flag.length() - 1) {
        throw new IllegalArgumentException("--user must look like NAME:PASSWORD");
      }
      all.put(flag.substring(0, colon), flag.substring(colon + 1));
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no users: nobody could sign in; add users to the config file or give --user");
    }
    return all;
  }
}
