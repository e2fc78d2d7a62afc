package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.VmStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoolIndexTest {

  /** The registry uses a stream only as the VM's identity; nothing is sent in these tests. */
  private static final AgentStream LINK = new AgentStream(null, () -> {});

  private final PoolIndex index = new PoolIndex();

  @Test
  void ordersCandidatesByUsedOverCapacity() {
    VmRecord threeQuarters = vm("three-quarters", 4, 3, 0);
    VmRecord empty = vm("empty", 1, 0, 0);
    VmRecord halfOfTen = vm("half-of-ten", 10, 4, 1);  // pending starts count as used
    VmRecord quarter = vm("quarter", 8, 2, 0);
    for (VmRecord vm : List.of(threeQuarters, empty, halfOfTen, quarter)) {
      index.update(vm);
    }

    assertThat(index.leastLoaded(10, new Random(1)))
        .containsExactly(empty, quarter, halfOfTen, threeQuarters);
    assertThat(index.size()).isEqualTo(4);
  }

  @Test
  void indexesOnlyReachableAcceptingVmsWithRoom() {
    VmRecord candidate = vm("candidate", 2, 1, 0);
    VmRecord unreachable = vm("unreachable", 2, 0, 0);
    unreachable.stream = null;
    VmRecord draining = vm("draining", 2, 0, 0);
    draining.state = draining.state.toBuilder().setAccepting(false).build();
    VmRecord full = vm("full", 2, 2, 0);
    VmRecord fullWithPending = vm("full-with-pending", 2, 1, 1);
    for (VmRecord vm : List.of(candidate, unreachable, draining, full, fullWithPending)) {
      index.update(vm);
    }

    assertThat(index.leastLoaded(10, new Random(1))).containsExactly(candidate);
    assertThat(index.size()).isEqualTo(1);
    assertThat(unreachable.indexKey).isEqualTo(-1);
  }

  @Test
  void freeSlotsSumTheRoomOfCandidatesOnlyAndFollowTheirLoad() {
    VmRecord multi = vm("multi", 4, 1, 1);  // a pending start takes a slot
    VmRecord idle = vm("idle", 1, 0, 0);
    VmRecord draining = vm("draining", 2, 0, 0);
    draining.state = draining.state.toBuilder().setAccepting(false).build();
    for (VmRecord vm : List.of(multi, idle, draining)) {
      index.update(vm);
    }
    assertThat(index.freeSlots()).isEqualTo(3);

    multi.pendingStarts = 0;  // the start was refused
    index.update(multi);
    assertThat(index.freeSlots()).isEqualTo(4);

    multi.capacity = 8;  // 2 of 8 is the load 1 of 4 was: same bucket, more room
    multi.state = state(2, true);
    index.update(multi);
    assertThat(index.freeSlots()).isEqualTo(7);

    idle.stream = null;
    index.update(idle);
    index.remove(multi);
    assertThat(index.freeSlots()).isZero();
  }

  @Test
  void updateMovesAVmBetweenBucketsAndOutOfTheIndex() {
    VmRecord a = vm("a", 4, 0, 0);
    VmRecord b = vm("b", 4, 1, 0);
    index.update(a);
    index.update(b);
    assertThat(index.leastLoaded(2, new Random(1))).containsExactly(a, b);

    a.state = state(2, true);  // a is now busier than b
    index.update(a);
    assertThat(index.leastLoaded(2, new Random(1))).containsExactly(b, a);

    a.state = state(4, true);  // full: no longer a candidate
    index.update(a);
    assertThat(index.leastLoaded(2, new Random(1))).containsExactly(b);
    assertThat(index.size()).isEqualTo(1);

    index.remove(b);
    index.remove(b);  // a second remove is harmless
    assertThat(index.leastLoaded(2, new Random(1))).isEmpty();
    assertThat(index.size()).isZero();
  }

  @Test
  void returnsMinOfLimitAndSizeWithoutDuplicates() {
    // Three buckets of uneven sizes, so a limit can end in the middle of any of them.
    List<VmRecord> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(vm("idle-" + i, 4, 0, 0));
    }
    for (int i = 0; i < 3; i++) {
      all.add(vm("quarter-" + i, 4, 1, 0));
    }
    for (int i = 0; i < 4; i++) {
      all.add(vm("half-" + i, 4, 2, 0));
    }
    all.forEach(index::update);

    Random random = new Random(42);
    for (int limit = 0; limit <= all.size() + 3; limit++) {
      for (int round = 0; round < 20; round++) {
        List<VmRecord> found = index.leastLoaded(limit, random);
        assertThat(found).as("limit %d", limit).hasSize(Math.min(limit, all.size())).doesNotHaveDuplicates();
        assertThat(found).extracting(PoolIndex::loadKey).isSorted();
      }
    }
  }

  /**
   * Within one bucket the VMs are equals and are taken from a random offset, so two requests with
   * a limit smaller than the bucket get different VMs, and over many requests every VM of the
   * bucket is offered first at some point.
   */
  @Test
  void spreadsRequestsOverAnEquallyLoadedBucket() {
    List<VmRecord> idle = IntStream.range(0, 10).mapToObj(i -> vm("idle-" + i, 1, 0, 0)).toList();
    idle.forEach(index::update);

    Random random = new Random(7);
    Set<VmRecord> firstOffered = new HashSet<>();
    Set<List<VmRecord>> distinctAnswers = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      List<VmRecord> found = index.leastLoaded(3, random);
      assertThat(found).hasSize(3).doesNotHaveDuplicates();
      firstOffered.add(found.get(0));
      distinctAnswers.add(found);
    }
    assertThat(firstOffered).containsExactlyInAnyOrderElementsOf(idle);
    assertThat(distinctAnswers).hasSizeGreaterThan(1);
  }

  /**
   * A seeded random walk of updates and removes, checked after every step against a brute-force
   * model (a map of indexed VM to its load): the same VMs are indexed, each sits in the bucket and
   * slot it claims, and leastLoaded returns the model's loads in order; and every VM updated and
   * not removed since is counted once, under its status.
   */
  @Test
  void staysConsistentWithABruteForceModelOverARandomWalk() {
    SplittableRandom walk = new SplittableRandom(20260101L);
    Random offsets = new Random(20260102L);
    List<VmRecord> vms = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      int capacity = 1 + walk.nextInt(8);
      vms.add(vm("vm-" + i, capacity, walk.nextInt(capacity + 1), 0));
    }
    Map<VmRecord, Double> model = new IdentityHashMap<>();
    Map<VmRecord, VmStatus> statuses = new IdentityHashMap<>();  // every VM in the pool
    int smallest = Integer.MAX_VALUE;
    int largest = 0;

    for (int step = 0; step < 10_000; step++) {
      VmRecord vm = vms.get(walk.nextInt(vms.size()));
      int move = walk.nextInt(10);
      if (move == 0) {
        index.remove(vm);
        model.remove(vm);
        statuses.remove(vm);
      } else {
        switch (move) {
          case 1 -> vm.stream = vm.stream == null ? LINK : null;
          case 2 -> vm.state = state(vm.state.getSessionsCount(), !vm.state.getAccepting());
          case 3 -> vm.pendingStarts = walk.nextInt(3);
          case 4 -> vm.capacity = 1 + walk.nextInt(8);  // an agent restarting with a new capacity
          default -> vm.state = state(walk.nextInt(vm.capacity + 2), vm.state.getAccepting());
        }
        index.update(vm);
        statuses.put(vm, vm.status());
        if (vm.isCandidate()) {
          model.put(vm, (double) vm.used() / vm.capacity);
        } else {
          model.remove(vm);
        }
      }

      assertThat(index.size()).as("size after step %d", step).isEqualTo(model.size());
      assertThat(index.freeSlots()).as("free slots after step %d", step)
          .isEqualTo(model.keySet().stream().mapToLong(v -> v.capacity - v.used()).sum());
      assertThat(index.vms()).as("VMs after step %d", step).isEqualTo(statuses.size());
      for (VmStatus status : VmStatus.values()) {
        if (status != VmStatus.UNRECOGNIZED) {
          assertThat(index.count(status)).as("%s after step %d", status, step)
              .isEqualTo(statuses.values().stream().filter(status::equals).count());
        }
      }
      smallest = Math.min(smallest, model.size());
      largest = Math.max(largest, model.size());
      for (VmRecord each : vms) {
        if (model.containsKey(each)) {
          assertThat(each.indexKey).as("key of %s after step %d", each.vmId, step)
              .isEqualTo(PoolIndex.loadKey(each));
        } else {
          assertThat(each.indexKey).as("%s after step %d", each.vmId, step).isEqualTo(-1);
          assertThat(each.indexSlot).isEqualTo(-1);
        }
      }
      List<VmRecord> all = index.leastLoaded(Integer.MAX_VALUE, offsets);
      assertThat(all).as("indexed VMs after step %d", step)
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(model.keySet());
      assertThat(all).extracting(v -> model.get(v)).as("load order after step %d", step)
          .containsExactlyElementsOf(model.values().stream().sorted().toList());

      int limit = walk.nextInt(model.size() + 3);
      List<VmRecord> some = index.leastLoaded(limit, offsets);
      assertThat(some).hasSize(Math.min(limit, model.size())).doesNotHaveDuplicates();
      assertThat(some).extracting(v -> model.get(v))
          .containsExactlyElementsOf(model.values().stream().sorted().limit(limit).toList());
    }
    // The walk must have exercised a populated index whose size moved a good deal.
    assertThat(largest - smallest).isGreaterThan(10);
  }

  private static VmRecord vm(String id, int capacity, int sessions, int pending) {
    VmRecord vm = new VmRecord(id);
    vm.pool = "pool";
    vm.capacity = capacity;
    vm.stream = LINK;
    vm.state = state(sessions, true);
    vm.pendingStarts = pending;
    return vm;
  }

  private static VmState state(int sessions, boolean accepting) {
    VmState.Builder state = VmState.newBuilder().setAccepting(accepting);
    for (int i = 0; i < sessions; i++) {
      state.addSessions(Session.newBuilder().setSessionId("s" + i).setUser("u" + i).setPool("pool"));
    }
    return state.build();
  }
}
