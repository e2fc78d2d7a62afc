package io.shardbroker.concentrator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shardbroker.protocol.v1.StartResult;
import io.shardbroker.protocol.v1.VmStatus;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The concentrator's meters; names end up as {@code shardbroker_concentrator_*} in Prometheus. */
final class ConcentratorMetrics {

  private final Map<StartResult, Counter> starts = new EnumMap<>(StartResult.class);
  private final Timer startDuration;
  private final Counter silentAgents;
  private final Counter lostStreams;
  private final Counter findRequests;

  ConcentratorMetrics(MeterRegistry meters, VmRegistry registry, WarmUp warmUp, HeartbeatPace pace) {
    for (VmStatus status : VmStatus.values()) {
      if (status == VmStatus.VM_STATUS_UNSPECIFIED || status == VmStatus.UNRECOGNIZED) {
        continue;
      }
      Gauge.builder("shardbroker.concentrator.vms",
              registry, r -> r.counts().byStatus().getOrDefault(status, 0))
          .description("VMs known to this concentrator, by state")
          .tag("state", label(status))
          .register(meters);
    }
    Gauge.builder("shardbroker.concentrator.agent.streams", registry, r -> r.counts().reachable())
        .description("Open agent streams (attached VMs)")
        .register(meters);
    Gauge.builder("shardbroker.concentrator.sessions", registry, r -> r.counts().sessions())
        .description("Sessions on the VMs attached here")
        .register(meters);
    Gauge.builder("shardbroker.concentrator.heartbeat.interval", pace, p -> p.intervalMillis() / 1000.0)
        .description("The heartbeat interval asked of agents now: longer than configured when more VMs "
            + "are attached than the heartbeat rate allows")
        .baseUnit("seconds")
        .register(meters);
    Gauge.builder("shardbroker.concentrator.warming.up", warmUp, w -> w.warming() ? 1 : 0)
        .description("1 while the concentrator warms up after its start (its view may lack VMs), else 0")
        .register(meters);
    for (StartResult result : StartResult.values()) {
      if (result == StartResult.START_RESULT_UNSPECIFIED || result == StartResult.UNRECOGNIZED) {
        continue;
      }
      starts.put(result, Counter.builder("shardbroker.concentrator.starts")
          .description("Session starts forwarded to agents, by result")
          .tag("result", result.name().substring("START_RESULT_".length()).toLowerCase(Locale.ROOT))
          .register(meters));
    }
    startDuration = Timer.builder("shardbroker.concentrator.start.duration")
        .description("Time from a broker's start call to the agent's answer")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(meters);
    silentAgents = Counter.builder("shardbroker.concentrator.agents.silent")
        .description("Agents marked unreachable after missing heartbeats")
        .register(meters);
    lostStreams = Counter.builder("shardbroker.concentrator.agents.lost")
        .description("Agent streams that broke (not closed on purpose)")
        .register(meters);
    findRequests = Counter.builder("shardbroker.concentrator.find.requests")
        .description("FindCandidates calls answered")
        .register(meters);
  }

  /** The API's name of a VM status: {@code VM_STATUS_IN_USE} is "in_use". */
  static String label(VmStatus status) {
    return status.name().substring("VM_STATUS_".length()).toLowerCase(Locale.ROOT);
  }

  void started(StartResult result, Duration took) {
    starts.get(result).increment();
    startDuration.record(took);
  }

  void silent() {
    silentAgents.increment();
  }

  void lost() {
    lostStreams.increment();
  }

  void found() {
    findRequests.increment();
  }
}
