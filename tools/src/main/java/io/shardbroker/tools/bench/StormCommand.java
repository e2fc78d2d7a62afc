package io.shardbroker.tools.bench;

import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.tools.run.RunLog;
import io.shardbroker.tools.run.ToolsJar;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "storm",
    mixinStandardHelpOptions = true,
    header = "Measures a morning logon storm against shardbroker and the designs people use instead.",
    description = {
        "Starts each system in turn on 127.0.0.1 as separate processes, with a fleet of --vms desktops "
            + "(single-user, unless --sessions-per-vm), and drives it from a load generator in a process of its own ('shardbroker bench "
            + "load'): users who have no desktop each ask for one, once. Phases: a warm-up; --step at each of "
            + "--rates requests per second (open loop, latency timed from when each request was due); then "
            + "--closed-requests with --concurrency users asking as fast as they are answered (the most the "
            + "system brokers).",
        "",
        "Systems (--systems): 'sharded' (--sets sets of --concentrators concentrators, 1 broker), "
            + "'one-concentrator' (shardbroker with a single concentrator), 'central-db' (one broker keeping "
            + "every VM in PostgreSQL and claiming with SELECT ... FOR UPDATE SKIP LOCKED, the agents writing "
            + "their heartbeats into it at the same interval; PostgreSQL is started for the run), "
            + "'sharded-plaintext' (the sharded system with --insecure gRPC links instead of mutual TLS, to measure what TLS costs).",
        "",
        "Writes every phase of every system, with latency histograms, as JSON under --results, prints a "
            + "table, and as its last line:",
        "  storm: <n> sessions, <failed> failed, <rate>/s, p50 <ms> ms, p99 <ms> ms, central-db <rate>/s, "
            + "ratio <sharded/central>",
        "for the sharded system: sessions and failures over all phases, the closed-loop rate, and the "
            + "latency at the reference rate (" + StormCommand.REFERENCE_RATE + "/s, or the highest rate below "
            + "it that was offered)."
    })
public final class StormCommand implements Callable<Integer> {

  static final int REFERENCE_RATE = 2000;
  private static final String MARKER = ".shardbroker-bench";

  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "A small storm that ends within a minute: checks that it all works; "
      + "its figures say little (the JVMs are not warm). Sets --vms 2000, --rates 200,400, --step 1s, "
      + "--closed-requests 600, --concurrency 16, --warmup 200, --systems sharded,central-db, unless given.")
  boolean quick;

  @Option(names = "--vms", paramLabel = "N", description = "Simulated desktops (default: 100000; --quick 2000).")
  Integer vms;

  @Option(names = "--sessions-per-vm", paramLabel = "N", defaultValue = "1",
      description = "Sessions each desktop takes: more than 1 lets a small fleet carry a long storm, to compare "
          + "brokering at 1,000 VMs with 100,000 (default: ${DEFAULT-VALUE}).")
  int sessionsPerVm;

  @Option(names = "--sets", paramLabel = "N", defaultValue = "2",
      description = "Concentrator sets of the sharded system (default: ${DEFAULT-VALUE}).")
  int sets;

  @Option(names = "--concentrators", paramLabel = "N", defaultValue = "2",
      description = "Concentrators per set of the sharded system (default: ${DEFAULT-VALUE}).")
  int concentrators;

  @Option(names = "--rates", split = ",", paramLabel = "RATE",
      description = "Open-loop phases in requests per second (default: 500,1000,2000; --quick 200,400).")
  List<Double> rates;

  @Option(names = "--step", paramLabel = "DURATION",
      description = "Length of each open-loop phase (default: 10s; --quick 1s).")
  String step;

  @Option(names = "--concurrency", paramLabel = "N",
      description = "Users asking at once in the closed-loop phase (default: 64; --quick 16).")
  Integer concurrency;

  @Option(names = "--closed-requests", paramLabel = "N",
      description = "Requests of the closed-loop phase (default: 20000; --quick 600).")
  Integer closedRequests;

  @Option(names = "--warmup", paramLabel = "N",
      description = "Requests that warm each system up first, not reported (default: 30000; --quick 200).")
  Integer warmup;

  @Option(names = "--warmup-rate", paramLabel = "RATE",
      description = "Requests per second of the warm-up, open loop; 0 for --concurrency users as fast as answered "
          + "(default: 500; --quick 0).")
  Double warmupRate;

  @Option(names = "--systems", split = ",", paramLabel = "NAME",
      description = "Which systems to measure, in order (default: sharded,one-concentrator,central-db).")
  List<String> systems;

  @Option(names = "--target", paramLabel = "URL",
      description = "Drive an already running broker instead of starting systems (its directory must have "
          + "users s000001.. with password pw-<name>, entitled to a pool 'desktop' of enough free VMs); "
          + "measured as system 'target', without CPU or message counts.")
  URI target;

  @Mixin HeartbeatOptions heartbeat;

  @Option(names = "--results", paramLabel = "DIR", defaultValue = "bench/results",
      description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/bench-storm",
      description = "Configs, stores and logs of the processes; emptied first (default: ${DEFAULT-VALUE}).")
  Path workDir;

  /** One system's outcome, as the results file keeps it. */
  record SystemResult(String name, String describe, double registrationSeconds, String registrationWhat,
      SystemUnderTest.Heap heap, List<LoadCommand.Phase> phases) {

    LoadCommand.Phase closed() {
      return phases.stream().filter(p -> p.result().mode().equals("closed")).findFirst().orElse(null);
    }

    /** The open-loop phase at the reference rate, or the highest rate offered below it. */
    LoadCommand.Phase reference() {
      LoadCommand.Phase best = null;
      for (LoadCommand.Phase p : phases) {
        if (p.result().mode().equals("open") && p.result().offered() <= REFERENCE_RATE
            && (best == null || p.result().offered() > best.result().offered())) {
          best = p;
        }
      }
      return best;
    }

    long sessions() {
      return phases.stream().mapToLong(p -> p.result().sessions()).sum();
    }

    long failed() {
      return phases.stream().mapToLong(p -> p.result().failures()).sum();
    }
  }

  @Override
  public Integer call() throws Exception {
    applyDefaults();
    Duration stepLength = Durations.parse(step);
    LoadGenerator load = new LoadGenerator(warmup, warmupRate, rates, stepLength, concurrency, closedRequests);
    int users = load.users();
    validate(users);
    Heartbeats beats = heartbeat.heartbeats();
    // What the sharded system's concentrators will ask for, each with its share of a set's VMs.
    Duration beat = beats.pacedFor((vms + concentrators - 1) / concentrators);
    WorkDir.refuseForeign(workDir, MARKER, "bench");
    // Say now, before anything is written, when there is no jar to run.
    LocalProcesses.productJar();
    ToolsJar.path();
    WorkDir.prepare(workDir, MARKER, "bench storm");
    RunLog log = new RunLog(spec.commandLine().getOut());
    log.line(String.format(Locale.ROOT, "storm: %d VMs, %d users; warm-up %d%s, open loop %s for %s each, "
            + "closed loop %d requests x%d; systems %s; heartbeat %s (%s asked, at most %d/s per concentrator)",
        vms, users, warmup, warmupRate > 0 ? String.format(Locale.ROOT, " at %.0f/s", warmupRate) : "",
        rates.stream().map(r -> String.format(Locale.ROOT, "%.0f/s", r))
            .collect(Collectors.joining(", ")), Durations.format(stepLength), closedRequests, concurrency,
        String.join(", ", systems), Durations.format(beat), Durations.format(beats.interval()), beats.ratePerConcentrator()));

    List<SystemResult> measured = new ArrayList<>();
    for (String name : systems) {
      Path dir = workDir.resolve(name);
      try (LocalProcesses processes = new LocalProcesses(ToolsJar.path(), dir.resolve("logs"));
          SystemUnderTest system = system(name, users, beats, beat, dir, processes, log)) {
        log.event("%s (%s): starting", name, system.describe());
        SystemUnderTest.Started started = system.start();
        log.event("%s: ready at %s; the storm starts", name, started.broker());
        List<LoadCommand.Phase> phases = load.run(name, started, processes, dir, log);
        measured.add(new SystemResult(name, system.describe(), started.registrationSeconds(),
            started.registrationWhat(), started.heap(), phases));
        log.event("%s: done; stopping its processes", name);
      } catch (IllegalStateException e) {
        // A process that would not start or a generator that failed: the logs say why.
        log.line("storm: aborted while measuring " + name + ": " + e.getMessage());
        log.line("storm: configs and logs are in " + workDir.resolve(name).toAbsolutePath().normalize());
        return 1;
      }
    }
    Path file = writeResults(measured, users, stepLength, beat);
    report(log, measured, file);
    return measured.stream().allMatch(r -> r.sessions() > 0) ? 0 : 1;
  }

  private Fleet fleet() {
    return new Fleet(vms, sessionsPerVm);
  }

  /** "; concentrator heap 1.2 KiB per VM; broker heap at rest 60 MiB", as far as measured. */
  static String heapReport(SystemUnderTest.Heap heap) {
    StringBuilder text = new StringBuilder();
    if (heap.concentratorBytesPerVm() >= 0) {
      text.append(String.format(Locale.ROOT, "; concentrator heap %.2f KiB per VM", heap.concentratorBytesPerVm() / 1024));
    }
    if (heap.brokerBytes() >= 0) {
      text.append(String.format(Locale.ROOT, "; broker heap at rest %.0f MiB", heap.brokerBytes() / 1048576.0));
    }
    return text.toString();
  }

  private SystemUnderTest system(String name, int users, Heartbeats beats, Duration shardedBeat, Path dir,
      LocalProcesses processes, RunLog log) {
    if (target != null) {
      return new RunningSystem(target);
    }
    return switch (name) {
      case "sharded" -> new ShardedSystem(name, sets, concentrators, CandidateSearch.DEFAULT, fleet(), users, beats,
          dir, log);
      case "sharded-plaintext" -> new ShardedSystem(name, sets, concentrators, CandidateSearch.DEFAULT, fleet(), users,
          beats, dir, log).plaintext();
      case "one-concentrator" -> new ShardedSystem(name, 1, 1, CandidateSearch.DEFAULT, fleet(), users, beats, dir,
          log);
      case "central-db" -> new CentralDbSystem(fleet(), users, shardedBeat, dir, processes, log);
      default -> throw new IllegalStateException("not validated: " + name);
    };
  }

  private Path writeResults(List<SystemResult> measured, int users, Duration stepLength, Duration beat)
      throws IOException {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("quick", quick);
    options.put("vms", vms);
    options.put("sessionsPerVm", sessionsPerVm);
    options.put("users", users);
    options.put("sets", sets);
    options.put("concentratorsPerSet", concentrators);
    options.put("rates", rates);
    options.put("stepSeconds", stepLength.toMillis() / 1000.0);
    options.put("concurrency", concurrency);
    options.put("closedRequests", closedRequests);
    options.put("warmup", warmup);
    options.put("warmupRate", warmupRate);
    options.put("heartbeatSeconds", beat.toMillis() / 1000.0);
    heartbeat.putInto(options);
    Path file = ResultsFile.write(results, "storm-" + (quick ? "quick-" : ""), options, measured);
    Files.writeString(ResultsFile.beside(file, ".svg"), StormChart.svg(measured));
    return file;
  }

  private static void report(RunLog log, List<SystemResult> measured, Path file) {
    log.line("");
    log.line(String.format(Locale.ROOT, "%-16s %-12s %8s %6s %7s %8s %8s %8s %8s %8s %8s %8s %9s",
        "system", "phase", "sessions", "failed", "rate/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
        "max ms", "cpu s/1k", "msgs/ses", "bytes/ses"));
    for (SystemResult r : measured) {
      for (LoadCommand.Phase p : r.phases()) {
        LoadResult l = p.result();
        log.line(String.format(Locale.ROOT, "%-16s %-12s %8d %6d %7.0f %8.2f %8.2f %8.2f %8.2f %8.1f %8.2f %8s %9s",
            r.name(), p.name(), l.sessions(), l.failures(), l.throughput(), l.latencyMs().p50(),
            l.latencyMs().p90(), l.latencyMs().p99(), l.latencyMs().p999(), l.latencyMs().max(),
            p.cpuSecondsPer1000(), measuredOrDash(p.messagesPerSession(), "%.1f"),
            measuredOrDash(p.bytesPerSession(), "%.0f")));
      }
    }
    for (SystemResult r : measured) {
      log.line(String.format(Locale.ROOT, "%s: %s in %.1f s%s", r.name(), r.registrationWhat(),
          r.registrationSeconds(), heapReport(r.heap())));
    }
    log.line("storm: results in " + file.toAbsolutePath().normalize() + ", chart beside it (.svg)");
    log.line(lastLine(measured));
  }

  private static String measuredOrDash(double value, String format) {
    return value < 0 ? "-" : String.format(Locale.ROOT, format, value);
  }

  static String lastLine(List<SystemResult> measured) {
    SystemResult sharded = find(measured, "sharded");
    SystemResult central = find(measured, "central-db");
    if (sharded == null) {
      sharded = measured.isEmpty() ? null : measured.get(0);
    }
    if (sharded == null) {
      return "storm: nothing measured";
    }
    double rate = rateOf(sharded);
    LoadCommand.Phase reference = sharded.reference();
    double p50 = reference == null ? Double.NaN : reference.result().latencyMs().p50();
    double p99 = reference == null ? Double.NaN : reference.result().latencyMs().p99();
    double centralRate = central == null ? Double.NaN : rateOf(central);
    return String.format(Locale.ROOT,
        "storm: %d sessions, %d failed, %.0f/s, p50 %.2f ms, p99 %.2f ms, central-db %s, ratio %s",
        sharded.sessions(), sharded.failed(), rate, p50, p99,
        Double.isNaN(centralRate) ? "n/a" : String.format(Locale.ROOT, "%.0f/s", centralRate),
        Double.isNaN(centralRate) || centralRate == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", rate / centralRate));
  }

  /** The closed-loop throughput, or the best open-loop one when there was no closed loop. */
  private static double rateOf(SystemResult r) {
    LoadCommand.Phase closed = r.closed();
    if (closed != null) {
      return closed.result().throughput();
    }
    return r.phases().stream().mapToDouble(p -> p.result().throughput()).max().orElse(0);
  }

  private static SystemResult find(List<SystemResult> measured, String name) {
    return measured.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  private void applyDefaults() {
    if (vms == null) {
      vms = quick ? 2000 : 100_000;
    }
    if (rates == null) {
      // Each user asks once: the defaults ask for 85,000 desktops of the 100,000.
      rates = quick ? List.of(200.0, 400.0) : List.of(500.0, 1000.0, 2000.0);
    }
    if (step == null) {
      step = quick ? "1s" : "10s";
    }
    if (concurrency == null) {
      concurrency = quick ? 16 : 64;
    }
    if (closedRequests == null) {
      closedRequests = quick ? 600 : 20_000;
    }
    if (warmup == null) {
      warmup = quick ? 200 : 30_000;  // a minute at the warm-up rate: compilation settles in about that
    }
    if (warmupRate == null) {
      warmupRate = quick ? 0.0 : 500.0;
    }
    if (target != null) {
      systems = List.of("target");
    } else if (systems == null) {
      systems = quick ? List.of("sharded", "central-db") : List.of("sharded", "one-concentrator", "central-db");
    }
  }

  private static final List<String> SYSTEMS = List.of("sharded", "one-concentrator", "central-db", "sharded-plaintext");

  private void validate(int users) {
    for (String name : systems) {
      if (target == null && !SYSTEMS.contains(name)) {
        throw new IllegalArgumentException("no system named '" + name + "'; choose from "
            + String.join(", ", SYSTEMS));
      }
    }
    if (vms < 1 || sessionsPerVm < 1 || sets < 1 || concentrators < 1 || concurrency < 1 || closedRequests < 0
        || warmup < 0 || warmupRate < 0) {
      throw new IllegalArgumentException("--vms, --sessions-per-vm, --sets, --concentrators and --concurrency "
          + "must be 1 or more, --closed-requests, --warmup and --warmup-rate 0 or more");
    }
    if (rates.stream().anyMatch(r -> !(r > 0))) {
      throw new IllegalArgumentException("--rates must all be more than 0, got " + rates);
    }
    if (target == null && users > (long) vms * sessionsPerVm) {
      throw new IllegalArgumentException("the storm asks for " + users + " desktops (warm-up, each rate for "
          + "--step, closed loop) but the fleet has only --vms " + vms + (sessionsPerVm > 1 ? " of "
          + sessionsPerVm + " sessions" : "") + "; give more VMs or fewer requests");
    }
    if (users > 999_999) {
      throw new IllegalArgumentException("at most 999999 users, got " + users);
    }
  }
}
