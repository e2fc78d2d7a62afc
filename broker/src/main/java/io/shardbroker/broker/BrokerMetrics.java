package io.shardbroker.broker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The broker's meters; names end up as {@code shardbroker_broker_*} in Prometheus. */
final class BrokerMetrics {

  private final MeterRegistry meters;
  private final Timer brokering;
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Counter setFallbacks;
  private final Counter refusedStarts;

  BrokerMetrics(MeterRegistry meters, ConcentratorDirectory directory) {
    this.meters = meters;
    this.brokering = Timer.builder("shardbroker.broker.brokering")
        .description("Time to answer a session request, from arrival to answer")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(meters);
    this.setFallbacks = Counter.builder("shardbroker.broker.set.fallbacks")
        .description("Session requests that moved on to another set")
        .register(meters);
    this.refusedStarts = Counter.builder("shardbroker.broker.refused.starts")
        .description("Starts refused by an agent or concentrator (the broker moved on to another VM)")
        .register(meters);
    for (ConcentratorDirectory.Health health : ConcentratorDirectory.Health.values()) {
      Gauge.builder("shardbroker.broker.concentrators", directory,
              d -> d.sets().stream().flatMap(s -> s.members().stream())
                  .filter(m -> m.health == health).count())
          .description("Concentrators in the topology, by health")
          .tag("health", health.name().toLowerCase(java.util.Locale.ROOT))
          .register(meters);
    }
  }

  /** Exports the admission gate's occupancy. */
  void watch(AdmissionGate gate) {
    Gauge.builder("shardbroker.broker.requests.in.flight", gate, AdmissionGate::inFlight)
        .description("Session requests being brokered now (at most the admission's in-flight bound)")
        .register(meters);
    Gauge.builder("shardbroker.broker.requests.waiting", gate, AdmissionGate::waiting)
        .description("Session requests waiting for a place at the admission gate")
        .register(meters);
  }

  /** Exports how many desktop displays are open. */
  void watch(OpenDisplays displays) {
    Gauge.builder("shardbroker.broker.displays.open", displays, OpenDisplays::count)
        .description("Desktop displays open through this broker's WebSocket gateway")
        .register(meters);
  }

  /** One session request answered, with its outcome ("started", "reconnected", or an error code). */
  void brokered(String outcome, Duration took) {
    brokering.record(took);
    outcomes.computeIfAbsent(outcome, o -> Counter.builder("shardbroker.broker.outcomes")
            .description("Session requests by outcome")
            .tag("outcome", o)
            .register(meters))
        .increment();
  }

  void setFallback() {
    setFallbacks.increment();
  }

  void refusedStart() {
    refusedStarts.increment();
  }
}
