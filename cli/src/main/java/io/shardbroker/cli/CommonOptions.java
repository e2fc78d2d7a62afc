package io.shardbroker.cli;

import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.TopologyConfig;
import io.shardbroker.protocol.v1.Topology;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/** Options every role command has: its config file, the topology, the log level. */
final class CommonOptions {

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "YAML config file of this role (see the examples under config/). Flags override it.")
  Path config;

  @Option(names = "--topology", paramLabel = "FILE",
      description = "YAML file with the topology (version, sets), shared by all roles; "
          + "overrides the config file's topology section. Brokers and concentrators watch it: "
          + "edit it and raise its version to add or remove concentrators and sets without a restart.")
  Path topologyFile;

  @Option(names = "--set", paramLabel = "ID=CID@HOST:PORT,...",
      description = "One concentrator set, e.g. a=a1@127.0.0.1:7101,a2@127.0.0.1:7102; "
          + "repeat for each set. Overrides --topology.")
  List<String> sets;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "Level of shardbroker's own logs: TRACE, DEBUG, INFO, WARN or ERROR (default: ${DEFAULT-VALUE}).",
      defaultValue = "INFO")
  String logLevel;

  /** The topology from flags, else the topology file, else the config file's section. */
  Topology topology(TopologyConfig fromConfig) {
    TopologyConfig chosen = fromConfig;
    if (sets != null && !sets.isEmpty()) {
      chosen = TopologyConfig.fromFlags(sets);
    } else if (topologyFile != null) {
      chosen = ConfigFiles.read(topologyFile, TopologyConfig.class);
    }
    if (chosen == null || chosen.sets() == null || chosen.sets().isEmpty()) {
      throw new IllegalArgumentException("no topology: give --set (one per set), --topology FILE, "
          + "or a topology section in --config");
    }
    return chosen.toProto();
  }

  /**
   * Watches the --topology file, when one is given (and no --set overrides it), handing each
   * newer version to {@code apply}; otherwise watches nothing. Close the result to stop.
   */
  AutoCloseable watchTopologyFile(ScheduledExecutorService scheduler, Predicate<Topology> apply) {
    if (topologyFile == null || (sets != null && !sets.isEmpty())) {
      return () -> { };
    }
    return new TopologyFileWatcher(topologyFile, scheduler, apply);
  }

  void applyLogLevel() {
    Logging.level("io.shardbroker", logLevel);
  }

  static <T> T orDefault(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
