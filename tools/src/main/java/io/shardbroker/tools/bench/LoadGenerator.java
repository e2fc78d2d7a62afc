package io.shardbroker.tools.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.RoleProcess;
import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The load generator ({@code shardbroker bench load}) in a process of its own, as the benchmarks
 * run it against a started system: it gets the phases of a {@link Plan}, the system's processes to
 * take the CPU of and its message counters, and its lines are echoed to the run's log as they
 * come. Keeping the generator out of the benchmark's JVM keeps its threads and garbage off the
 * measured processes' books (it still shares the cores).
 *
 * @param warmup requests that warm the system up first, not reported
 * @param warmupRate requests per second of the warm-up, open loop; 0 for {@code concurrency} users
 * @param rates the open-loop phases, requests per second, each for {@code step}
 * @param step length of each open-loop phase
 * @param concurrency users asking at once in the closed-loop phase (and a closed-loop warm-up)
 * @param closedRequests requests of the closed-loop phase; 0 for none
 */
record LoadGenerator(int warmup, double warmupRate, List<Double> rates, Duration step, int concurrency,
    int closedRequests) {

  /** Bound on one system's whole load run. */
  static final Duration BOUND = Duration.ofMinutes(30);

  /** How many users the phases ask as, each once: every one needs a desktop of their own. */
  int users() {
    int users = warmup + closedRequests;
    for (double rate : rates) {
      users += requestsAt(rate);
    }
    return users;
  }

  /** Requests of an open-loop phase at {@code rate}: as LoadCommand counts them. */
  int requestsAt(double rate) {
    return (int) Math.max(1, Math.round(rate * step.toMillis() / 1000.0));
  }

  /**
   * Runs the phases against {@code started} in a process named {@code name}-load and returns what
   * it measured.
   *
   * @throws IllegalStateException when the generator fails; its log, named in the message, says why
   */
  List<LoadCommand.Phase> run(String name, SystemUnderTest.Started started, LocalProcesses processes,
      Path dir, RunLog log) throws IOException, InterruptedException {
    Path out = dir.resolve("load.json");
    List<String> args = new ArrayList<>(List.of("bench", "load", "--target", started.broker().toString(),
        "--warmup", Integer.toString(warmup), "--warmup-rate", Double.toString(warmupRate),
        "--step", step.toMillis() + "ms",
        "--concurrency", Integer.toString(concurrency), "--closed-requests", Integer.toString(closedRequests),
        "--out", out.toString()));
    if (!rates.isEmpty()) {
      args.add("--rates");
      args.add(rates.stream().map(r -> Double.toString(r)).collect(Collectors.joining(",")));
    }
    if (!started.prometheus().isEmpty()) {
      args.add("--prometheus");
      args.add(started.prometheus().stream().map(URI::toString).collect(Collectors.joining(",")));
    }
    if (!started.statementCounters().isEmpty()) {
      args.add("--statement-counters");
      args.add(started.statementCounters().stream().map(URI::toString).collect(Collectors.joining(",")));
    }
    if (!started.serverPids().isEmpty()) {
      args.add("--cpu-of");
      args.add(started.serverPids().stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    RoleProcess load = processes.define(name + "-load", "2g", LocalProcesses.Jvm.SERVER, args);
    load.start();
    long offset = 0;
    long giveUp = System.nanoTime() + BOUND.toNanos();
    while (load.alive() && System.nanoTime() < giveUp) {
      offset = echo(load.out(), offset, name, log);
      Thread.sleep(200);
    }
    int exit = load.awaitExit(Duration.ofSeconds(10));
    echo(load.out(), offset, name, log);
    if (exit != 0) {
      throw new IllegalStateException("the load generator failed (exit " + exit + "); see " + load.log());
    }
    return LoadCommand.JSON.readValue(out.toFile(), new TypeReference<List<LoadCommand.Phase>>() {});
  }

  /** Shows the generator's new lines as they come; returns how far the file was read. */
  private static long echo(Path file, long from, String name, RunLog log) throws IOException {
    if (!Files.exists(file) || Files.size(file) <= from) {
      return from;
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(from);
      bytes = in.readAllBytes();
    }
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;  // a line still being written waits for the next look
    }
    new String(bytes, 0, end, StandardCharsets.UTF_8).lines().forEach(line -> log.event("%s: %s", name, line));
    return from + end;
  }
}
