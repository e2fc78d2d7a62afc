package io.shardbroker.tools.bench;

import io.shardbroker.cli.config.Durations;
import java.util.Map;
import picocli.CommandLine.Option;

/** The heartbeat options of the benchmarks that start concentrators (a picocli mixin). */
final class HeartbeatOptions {

  @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "5s",
      description = "Heartbeat interval the concentrators ask of their agents, unless --heartbeat-rate makes "
          + "them ask for a longer one; a central-db fleet writes at the interval the sharded system's "
          + "concentrators ask for (default: ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--heartbeat-rate", paramLabel = "N", defaultValue = "2000",
      description = "The most heartbeats a second each concentrator takes (its --max-heartbeat-rate): with more "
          + "VMs than --heartbeat allows at this rate, it asks for a longer interval. Every role shares this "
          + "machine's cores, so the default is lower than a concentrator's own (default: ${DEFAULT-VALUE}: "
          + "25 s at 100,000 VMs in 2 sets of 2).")
  int rate;

  /** The heartbeat load these options describe; refuses a rate below 1. */
  Heartbeats heartbeats() {
    if (rate < 1) {
      throw new IllegalArgumentException("--heartbeat-rate must be 1 or more, got " + rate);
    }
    return new Heartbeats(Durations.parse(interval), rate);
  }

  /** Adds the options to a results file's options. */
  void putInto(Map<String, Object> options) {
    options.put("heartbeatAskedSeconds", Durations.parse(interval).toMillis() / 1000.0);
    options.put("heartbeatRatePerConcentrator", rate);
  }
}
