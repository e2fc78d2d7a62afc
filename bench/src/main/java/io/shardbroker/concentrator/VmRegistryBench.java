package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.Candidate;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Topology;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A concentrator's share of one brokering, under the registry's lock as in production: find eight
 * candidates and the user's sessions, reserve a start on the first candidate, and finish it
 * (refused, so the fleet stays as it was). With 1,000 and with 100,000 VMs attached.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VmRegistryBench {

  private static final String POOL = "shared";
  private static final int CAPACITY = 4;

  @Param({"1000", "100000"})
  int vms;

  private VmRegistry registry;
  private final AgentStream stream = new AgentStream(null, () -> { });
  private final SplittableRandom random = new SplittableRandom(42);

  @Setup
  public void attachFleet() {
    registry = new VmRegistry(
        ConcentratorSettings.defaults("c1", "a", Topology.getDefaultInstance()), Clock.systemUTC());
    for (int i = 0; i < vms; i++) {
      registry.attach(Hello.newBuilder()
          .setVmId("vm-" + i)
          .setPool(POOL)
          .setCapacity(CAPACITY)
          .setIncarnation("bench")
          .setState(PoolIndexBench.withSessions(i % CAPACITY))
          .build(), stream);
    }
  }

  @Benchmark
  public Candidate brokering() {
    String user = "user-" + random.nextInt(100_000);
    Candidate first = registry.find(user, POOL, 8).candidates().getFirst();
    registry.reserveStart(first.getVmId(), user, POOL);
    registry.startFinished(first.getVmId(), user, POOL, stream, null);
    return first;
  }
}
