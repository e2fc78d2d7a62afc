package io.shardbroker.tools.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * CPU time spent by the processes of the system under test: the given processes and all their
 * descendants (PostgreSQL's backends, for one), as the operating system counts it. A process that
 * has exited no longer counts, so measure over spans in which the system's processes live.
 */
final class SystemCpu {

  private final List<Long> roots;
  private final Predicate<ProcessHandle> counted;

  SystemCpu(List<Long> rootPids) {
    this(rootPids, p -> true);
  }

  /** Counts only the processes, of the roots and their descendants, that {@code counted} takes. */
  SystemCpu(List<Long> rootPids, Predicate<ProcessHandle> counted) {
    this.roots = List.copyOf(rootPids);
    this.counted = counted;
  }

  /** Seconds of CPU (user and system) used so far by the roots and their descendants alive now. */
  double seconds() {
    return roots.stream()
        .map(ProcessHandle::of)
        .flatMap(Optional::stream)
        .flatMap(p -> Stream.concat(Stream.of(p), p.descendants()))
        .filter(counted)
        .map(p -> p.info().totalCpuDuration())
        .flatMap(Optional::stream)
        .mapToLong(Duration::toNanos)
        .sum() / 1e9;
  }
}
