package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.VmState;
import java.util.List;
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
 * The concentrator's per-pool index: finding the least-loaded candidates, and moving a VM between
 * load buckets (what every start and end does). Both must cost the same with 100,000 VMs in the
 * pool as with 1,000: O(k + log b) and O(log b) for b distinct loads, not O(fleet).
 *
 * <p>The benchmarks sit in the concentrator's package to reach its package-private classes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PoolIndexBench {

  private static final AgentStream ATTACHED = new AgentStream(null, () -> { });
  private static final int CAPACITY = 4;

  @Param({"1000", "100000"})
  int vms;

  private PoolIndex index;
  private VmRecord[] records;
  private final SplittableRandom random = new SplittableRandom(42);

  /** A pool of multi-session hosts with every load from empty to one short of full. */
  @Setup
  public void fill() {
    index = new PoolIndex();
    records = new VmRecord[vms];
    for (int i = 0; i < vms; i++) {
      VmRecord vm = new VmRecord("vm-" + i);
      vm.pool = "shared";
      vm.capacity = CAPACITY;
      vm.stream = ATTACHED;
      vm.state = withSessions(i % CAPACITY);
      records[i] = vm;
      index.update(vm);
    }
  }

  static VmState withSessions(int n) {
    VmState.Builder state = VmState.newBuilder().setSequence(1).setAccepting(true);
    for (int s = 0; s < n; s++) {
      state.addSessions(Session.newBuilder().setSessionId("s-" + s).setUser("u-" + s));
    }
    return state.build();
  }

  /** What a FindCandidates call takes from the index. */
  @Benchmark
  public List<VmRecord> eightLeastLoaded() {
    return index.leastLoaded(8, random);
  }

  /** A start reserved on a random VM and given back: two moves between buckets. */
  @Benchmark
  public VmRecord reserveAndRelease() {
    VmRecord vm = records[random.nextInt(records.length)];
    vm.pendingStarts++;
    index.update(vm);
    vm.pendingStarts--;
    index.update(vm);
    return vm;
  }
}
