package io.shardbroker.tools.bench;

import io.shardbroker.concentrator.ConcentratorSettings;
import java.time.Duration;
import java.util.List;

/**
 * The agents' heartbeat load of a storm: the interval concentrators ask for, and the most
 * heartbeats a second each concentrator takes before it asks for a longer one. The central-db
 * fleet writes at the interval the sharded system's concentrators end up asking for, so that both
 * designs carry the same reporting load.
 *
 * @param interval the configured interval, as for {@code concentrator --heartbeat-interval}
 * @param ratePerConcentrator as for {@code concentrator --max-heartbeat-rate}
 */
record Heartbeats(Duration interval, int ratePerConcentrator) {

  /** The interval a concentrator with {@code vms} attached agents asks for. */
  Duration pacedFor(int vms) {
    return ConcentratorSettings.defaults("bench", "bench", null)
        .withHeartbeatInterval(interval)
        .withMaxHeartbeatRate(ratePerConcentrator)
        .heartbeatIntervalFor(vms);
  }

  /** The concentrator's command-line options that set this load. */
  List<String> concentratorOptions() {
    return List.of("--heartbeat-interval", interval.toMillis() + "ms",
        "--max-heartbeat-rate", Integer.toString(ratePerConcentrator));
  }
}
