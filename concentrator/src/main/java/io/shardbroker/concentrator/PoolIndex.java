package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.VmStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The candidate VMs of one pool, bucketed by load, so the least-loaded ones are found without
 * looking at the rest of the fleet: finding k candidates costs O(k + log b) for b distinct loads,
 * and moving a VM between buckets O(log b).
 *
 * <p>Within a bucket VMs are equals; candidates are taken from a random offset so that concurrent
 * requests (from one broker or many) get different VMs instead of colliding on the same one.
 *
 * <p>It also keeps the pool's free session slots (capacity minus used, over its candidates) as a
 * running sum, so that health answers say how much room each pool has in O(1) per pool. Each VM
 * remembers what it added to the sum, since by the time it moves its load has already changed.
 *
 * <p>And it counts the pool's VMs by status, all of them and not only the candidates, so that
 * counts per pool and status cost O(1) as well; each VM remembers the status it is counted under.
 *
 * <p>Not thread-safe: owned by {@link VmRegistry} and used under its lock.
 */
final class PoolIndex {

  /** Load keys order VMs by used/capacity with this resolution. */
  private static final long LOAD_SCALE = 1L << 20;

  private final TreeMap<Long, List<VmRecord>> buckets = new TreeMap<>();
  private int size;
  private long freeSlots;
  private final Map<VmStatus, Integer> byStatus = new EnumMap<>(VmStatus.class);
  private int vms;

  static long loadKey(VmRecord vm) {
    return vm.used() * LOAD_SCALE / vm.capacity;
  }

  /**
   * Counts the VM under its current status and puts it where its current load says, or takes it
   * out of the candidates if it is no longer one.
   */
  void update(VmRecord vm) {
    count(vm);
    long key = vm.isCandidate() ? loadKey(vm) : -1;
    int free = key >= 0 ? vm.capacity - vm.used() : 0;
    if (key == vm.indexKey && free == vm.indexFreeSlots) {
      return;
    }
    unindex(vm);
    if (key >= 0) {
      List<VmRecord> bucket = buckets.computeIfAbsent(key, k -> new ArrayList<>());
      vm.indexKey = key;
      vm.indexSlot = bucket.size();
      vm.indexFreeSlots = free;
      bucket.add(vm);
      size++;
      freeSlots += free;
    }
  }

  /** The VM leaves the pool: it is forgotten, or comes back in another pool. */
  void remove(VmRecord vm) {
    unindex(vm);
    if (vm.countedStatus != null) {
      byStatus.merge(vm.countedStatus, -1, Integer::sum);
      vm.countedStatus = null;
      vms--;
    }
  }

  private void count(VmRecord vm) {
    VmStatus now = vm.status();
    if (now == vm.countedStatus) {
      return;
    }
    if (vm.countedStatus == null) {
      vms++;
    } else {
      byStatus.merge(vm.countedStatus, -1, Integer::sum);
    }
    byStatus.merge(now, 1, Integer::sum);
    vm.countedStatus = now;
  }

  /** Takes the VM out of the candidates, if it is one. */
  private void unindex(VmRecord vm) {
    if (vm.indexKey < 0) {
      return;
    }
    List<VmRecord> bucket = buckets.get(vm.indexKey);
    VmRecord last = bucket.remove(bucket.size() - 1);
    if (last != vm) {
      bucket.set(vm.indexSlot, last);
      last.indexSlot = vm.indexSlot;
    }
    if (bucket.isEmpty()) {
      buckets.remove(vm.indexKey);
    }
    vm.indexKey = -1;
    vm.indexSlot = -1;
    freeSlots -= vm.indexFreeSlots;
    vm.indexFreeSlots = 0;
    size--;
  }

  /** Up to {@code limit} candidates, least loaded first. */
  List<VmRecord> leastLoaded(int limit, RandomGenerator random) {
    List<VmRecord> result = new ArrayList<>(Math.min(limit, size));
    for (Map.Entry<Long, List<VmRecord>> entry : buckets.entrySet()) {
      List<VmRecord> bucket = entry.getValue();
      int take = Math.min(limit - result.size(), bucket.size());
      int offset = random.nextInt(bucket.size());
      for (int i = 0; i < take; i++) {
        result.add(bucket.get((offset + i) % bucket.size()));
      }
      if (result.size() >= limit) {
        break;
      }
    }
    return result;
  }

  /** How many candidates the pool has. */
  int size() {
    return size;
  }

  /** Sessions the pool's candidates can still take, starts in flight counted as used. */
  long freeSlots() {
    return freeSlots;
  }

  /** How many of the pool's VMs, candidates or not, have the status. */
  int count(VmStatus status) {
    return byStatus.getOrDefault(status, 0);
  }

  /** How many VMs the pool has, whatever their status. */
  int vms() {
    return vms;
  }
}
