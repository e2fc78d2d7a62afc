package io.shardbroker.harness;

import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster scenarios with every role in this JVM over in-process gRPC, on one {@link FakeClock}
 * as every role's clock and scheduler: heartbeats, sweeps, timeouts and reconnects happen only
 * when a scenario lets time pass. The brokers' HTTP API is real, on loopback.
 */
@Timeout(120)
class InProcessClusterTest extends ClusterScenarios {

  private final FakeClock clock = new FakeClock();

  @Override
  protected Cluster start(ClusterSpec spec) throws Exception {
    return InProcessCluster.start(spec, InProcessLinks.inProcess(), clock, clock, null);
  }

  @Override
  protected void passTime() throws Exception {
    clock.advance(Duration.ofMillis(500));
  }

  /** gRPC's own threads deliver what the timers sent. */
  @Override
  protected Duration pollInterval() {
    return Duration.ofMillis(5);
  }

  @AfterEach
  void stopClock() {
    clock.shutdownNow();
  }
}
