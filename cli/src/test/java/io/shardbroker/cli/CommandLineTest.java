package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.agent.host.ExecSessionHost;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.broker.DisplaySettings;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.cli.config.RoleConfigs.AgentConfig;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import io.shardbroker.cli.config.RoleConfigs.ConcentratorConfig;
import io.shardbroker.cli.config.RoleConfigs.SimConfig;
import io.shardbroker.cli.config.TopologyConfig;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Store;
import io.shardbroker.store.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParseResult;

/** The command line and config files as a new user meets them: help, examples, and mistakes. */
class CommandLineTest {

  private static final Path EXAMPLES = Path.of("..", "config");

  private static CommandRun run(String... args) {
    return CommandRun.of(args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo", "broker", "concentrator", "agent", "sim"})
  void everyCommandExplainsItselfWithHelp(String command) {
    CommandRun run = run(command, "--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: shardbroker " + command).hasSizeGreaterThan(300);
  }

  @Test
  void theTopLevelHelpListsEveryRole() {
    CommandRun run = run("--help");
    assertThat(run.out()).contains("demo", "broker", "concentrator", "agent", "sim");
  }

  @Test
  void everyExampleConfigFileIsValid() {
    Topology topology = ConfigFiles.read(EXAMPLES.resolve("topology.yaml"), TopologyConfig.class).toProto();
    assertThat(topology.getSetsCount()).isEqualTo(2);
    assertThat(topology.getSets(1).getConcentrators(1).getAddress()).isEqualTo("127.0.0.1:7202");

    BrokerConfig broker = ConfigFiles.read(EXAMPLES.resolve("broker.yaml"), BrokerConfig.class);
    assertThat(broker.seed().pools()).extracting(p -> p.name()).containsExactly("desktop", "shared", "engineering");
    assertThat(BrokerStore.seed(broker.seed()).users()).isNotEmpty();
    assertThat(broker.timeouts().find()).isEqualTo(Duration.ofSeconds(1));
    assertThat(BrokerCommand.displays(broker.displays())).isEqualTo(DisplaySettings.DEFAULT);

    ConcentratorConfig concentrator = ConfigFiles.read(EXAMPLES.resolve("concentrator-a1.yaml"), ConcentratorConfig.class);
    assertThat(concentrator.unreachableRetention()).isEqualTo(Duration.ofMinutes(10));
    assertThat(concentrator.warmUp()).isEqualTo(Duration.ofSeconds(15));

    AgentConfig agent = ConfigFiles.read(EXAMPLES.resolve("agent.yaml"), AgentConfig.class);
    assertThat(agent.host().start()).containsExactly("config/scripts/start-session.sh");
    assertThat(agent.host().list()).containsExactly("config/scripts/list-sessions.sh");
    assertThat(agent.host().listInterval()).isEqualTo(Duration.ofSeconds(10));
    AgentConfig desktops = ConfigFiles.read(EXAMPLES.resolve("agent-vnc.yaml"), AgentConfig.class);
    assertThat(desktops.host().type()).isEqualTo("vnc");
    assertThat(desktops.host().geometry()).isEqualTo("1280x800");
    assertThat(desktops.relay().listen()).isEqualTo("0.0.0.0:5950");

    SimConfig sim = ConfigFiles.read(EXAMPLES.resolve("sim.yaml"), SimConfig.class);
    assertThat(sim.pools()).hasSize(2);
    assertThat(sim.startDelay()).isEqualTo(Duration.ofMillis(20));
  }

  @Test
  void theExampleScriptsListTheSessionsTheyStartedUntilTheyEndThem(@TempDir Path dir) throws Exception {
    Path scripts = EXAMPLES.resolve("scripts").toAbsolutePath();
    Function<String, List<String>> command =
        name -> List.of("env", "SESSIONS_DIR=" + dir, scripts.resolve(name).toString());
    try (ExecSessionHost host = new ExecSessionHost(new ExecSessionHost.Settings(command.apply("start-session.sh"),
        command.apply("end-session.sh"), Duration.ofSeconds(10), "rdp", dir)
        .withList(command.apply("list-sessions.sh"), Duration.ofSeconds(10)))) {
      assertThat(host.running().get(10, TimeUnit.SECONDS)).isEmpty();
      host.start(new SessionSpec("s-1", "alice", "desktop", "vm-0001")).get(10, TimeUnit.SECONDS);
      host.start(new SessionSpec("s-2", "bob", "desktop", "vm-0001")).get(10, TimeUnit.SECONDS);

      assertThat(host.running().get(10, TimeUnit.SECONDS))
          .extracting(HostedSession::sessionId, HostedSession::user, h -> h.connection().getPort())
          .containsExactlyInAnyOrder(tuple("s-1", "alice", 3389), tuple("s-2", "bob", 3389));

      host.end("s-1").get(10, TimeUnit.SECONDS);
      assertThat(host.running().get(10, TimeUnit.SECONDS)).extracting(HostedSession::sessionId)
          .containsExactly("s-2");
    }
  }

  @Test
  void aTypoInAConfigFileIsNamedWithItsLine(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("broker.yaml"), "id: b1\nhttp:\n  prot: 8080\n");
    CommandRun run = run("broker", "--config", file.toString(), "--set", "a=a1@127.0.0.1:1");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("line 3", "unknown key 'prot'", "port");
  }

  @Test
  void aBadDurationSaysHowToWriteOne(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "id: a1\nheartbeatInterval: soon\n");
    CommandRun run = run("concentrator", "--config", file.toString(), "--set", "a=a1@127.0.0.1:0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("heartbeatInterval", "500ms, 5s, 2m or 1h");
  }

  @Test
  void theConcentratorsWarmUpComesFromTheFlagElseTheFileElseThreeHeartbeatIntervals(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "id: a1\nwarmUp: 40s\n");

    assertThat(concentratorSettings(null, "--heartbeat-interval", "2s").warmUp()).isEqualTo(Duration.ofSeconds(6));
    assertThat(concentratorSettings(null).warmUp()).isEqualTo(Duration.ofSeconds(15));
    assertThat(concentratorSettings(file).warmUp()).isEqualTo(Duration.ofSeconds(40));
    assertThat(concentratorSettings(file, "--warm-up", "500ms").warmUp()).isEqualTo(Duration.ofMillis(500));
    assertThat(concentratorSettings(null, "--warm-up", "0s").warmUp()).isZero();
    assertThat(run("concentrator", "--help").out()).contains("--warm-up=DURATION");
  }

  @Test
  void theConcentratorsHeartbeatRateComesFromTheFlagElseTheFileElseTheDefault(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("c.yaml"), "id: a1\nmaxHeartbeatRate: 2000\n");

    assertThat(concentratorSettings(null).maxHeartbeatRate())
        .isEqualTo(ConcentratorSettings.MAX_HEARTBEAT_RATE_DEFAULT);
    assertThat(concentratorSettings(file).maxHeartbeatRate()).isEqualTo(2000);
    assertThat(concentratorSettings(file, "--max-heartbeat-rate", "500").maxHeartbeatRate()).isEqualTo(500);
    CommandRun refused = run("concentrator", "--id", "a1", "--set", "a=a1@127.0.0.1:0",
        "--max-heartbeat-rate", "0");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("max heartbeat rate must be at least 1 a second, got 0");
  }

  @Test
  void aNegativeWarmUpIsRefusedWithItsValue() {
    CommandRun run = run("concentrator", "--id", "a1", "--set", "a=a1@127.0.0.1:0", "--warm-up", "PT-5S");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("warm-up must be zero or positive, got PT-5S");
  }

  @Test
  void aMissingTopologyIsExplained() {
    CommandRun run = run("broker");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no topology", "--set", "--topology");
  }

  @Test
  void aBrokerRefusesAStoreWrittenByANewerShardbroker(@TempDir Path dir) throws Exception {
    Path future = Files.createDirectories(dir.resolve("future"));
    Files.writeString(future.resolve("V999__from_the_future.sql"), "CREATE TABLE later_feature (id INT);\n");
    Path data = Files.createDirectories(dir.resolve("data"));
    StoreSettings newer = StoreSettings.embedded(data).withMigrationLocations(List.of(
        StoreSettings.MIGRATIONS.get(0), "filesystem:" + future));
    Store.open(newer, Clock.systemUTC()).close();

    CommandRun run = run("broker", "--data", data.toString(), "--set", "a=a1@127.0.0.1:1", "--http-port", "0",
        "--insecure");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("cannot open the store", "newer shardbroker", "left as it was")
        .doesNotContain("Exception");
  }

  @Test
  void aMissingConfigFileIsNamed() {
    CommandRun run = run("sim", "--config", "/nonexistent/sim.yaml", "--set", "a=a1@127.0.0.1:1");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("/nonexistent/sim.yaml", "does not exist");
  }

  @Test
  void aPortInUseIsSaidPlainly() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      CommandRun run = run("concentrator", "--id", "a1", "--set", "a=a1@127.0.0.1:" + taken.getLocalPort(),
          "--insecure");
      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("cannot listen", "another process has the port");
    }
  }

  @Test
  void setFlagsBecomeATopology() {
    Topology topology = TopologyConfig.fromFlags(List.of("a=a1@10.0.0.1:7101,a2@10.0.0.2:7101", "b=b1@10.0.1.1:7101"))
        .toProto();
    assertThat(topology.getSetsCount()).isEqualTo(2);
    assertThat(topology.getSets(0).getConcentratorsList()).extracting(c -> c.getId())
        .containsExactly("a1", "a2");
    assertThat(topology.getSets(1).getConcentrators(0).getAddress()).isEqualTo("10.0.1.1:7101");
  }

  /** The settings the concentrator command would run with, from its flags and config file. */
  private static ConcentratorSettings concentratorSettings(Path config, String... flags) {
    List<String> args = new ArrayList<>(List.of("concentrator"));
    args.addAll(List.of(flags));
    ParseResult parsed = ShardbrokerCommand.commandLine().parseArgs(args.toArray(String[]::new));
    ConcentratorCommand command = parsed.subcommand().commandSpec().commandLine().getCommand();
    Topology topology = TopologyConfig.fromFlags(List.of("a=a1@127.0.0.1:0")).toProto();
    return command.settings(ConfigFiles.read(config, ConcentratorConfig.class), "a1", "a", topology);
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }

  @Test
  void aSeedPoolMayHaveLogoffLimits(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("broker.yaml"), """
        seed:
          pools:
            - {name: linux, protocol: vnc, idleLogoffAfter: 2h, disconnectedLogoffAfter: 30m}
            - {name: desktop}
        """);

    List<Pool> pools = BrokerStore.seed(ConfigFiles.read(file, BrokerConfig.class).seed()).pools();

    assertThat(pools).extracting(Pool::logoff).containsExactly(
        new Pool.LogoffPolicy(Duration.ofHours(2), Duration.ofMinutes(30)), Pool.LogoffPolicy.NONE);
  }

  @Test
  void aSeedOfAHundredThousandUsersIsReadFromOneConfigFile(@TempDir Path dir) throws Exception {
    StringBuilder yaml = new StringBuilder("seed:\n  users:\n");
    for (int i = 1; i <= 100_000; i++) {
      yaml.append("    - {name: user-").append(i).append(", password: pw-user-").append(i)
          .append(", groups: [staff]}\n");
    }
    Path file = Files.writeString(dir.resolve("broker.yaml"), yaml);

    BrokerConfig config = ConfigFiles.read(file, BrokerConfig.class);

    assertThat(Files.size(file)).as("beyond SnakeYAML's default limit of 3 MB").isGreaterThan(3_145_728);
    assertThat(config.seed().users()).hasSize(100_000);
  }
}
