package io.shardbroker.tools.bench;

import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.tools.run.RunLog;
import io.shardbroker.tools.run.ToolsJar;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
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
    name = "choice",
    mixinStandardHelpOptions = true,
    header = "Compares asking every concentrator of a set for free VMs (broadcast) with asking a sample of them.",
    description = {
        "Issue 5: the patent's broker asks every concentrator of the chosen set for candidates; a broker in "
            + "'sampled' candidate search asks only the --asked (d) concentrators that advertised the most free "
            + "slots in the pool in their last health answer. This measures both as a set grows.",
        "",
        "For each N in --concentrators and each mode in --modes, starts shardbroker on 127.0.0.1 as separate "
            + "processes with 1 set of N concentrators, 1 broker in that mode, and a fleet of --vms single-user "
            + "desktops; drives it from the storm's load generator ('shardbroker bench load') in a process of its "
            + "own: --warmup requests with --concurrency users (not reported), one open-loop phase at --rate for "
            + "--step (latency timed from when each request was due), and --closed-requests with --concurrency "
            + "users asking as fast as they are answered. Users ask once each, so no user has a session yet.",
        "",
        "Per system it reports messages per brokering (every concentrator's gRPC messages, with agents and "
            + "brokers, over the open phase's sessions; and of those, the ones with brokers), p50/p99/p99.9 of "
            + "the open phase, the closed loop's sessions per second, and CPU seconds of the server processes "
            + "per 1000 brokerings; prints a table, writes it all as JSON under --results, and as its last line:",
        "  choice: at <N> concentrators, broadcast <m> messages, p99 <ms> ms; sampled(d=<d>) <m> messages, "
            + "p99 <ms> ms",
        "for the largest N measured.",
        "",
        "Sampled is experimental: the concentrators not asked do not report the user's existing sessions "
            + "either, so a user with a desktop there may be given a second one. With N <= d it asks every "
            + "concentrator, like broadcast."
    })
public final class ChoiceCommand implements Callable<Integer> {

  private static final String MARKER = ".shardbroker-bench";
  /** Concentrators per set at most: each is a JVM on this machine. */
  static final int MOST_CONCENTRATORS = 16;

  @Spec CommandSpec spec;

  @Option(names = "--concentrators", split = ",", paramLabel = "N", defaultValue = "1,2,4,8",
      description = "Sizes of the set to measure, concentrators each (default: ${DEFAULT-VALUE}).")
  List<Integer> concentrators;

  @Option(names = "--modes", split = ",", paramLabel = "MODE", defaultValue = "broadcast,sampled",
      description = "Candidate searches to measure at each size: broadcast, sampled (default: ${DEFAULT-VALUE}).")
  List<String> modes;

  @Option(names = "--asked", paramLabel = "D", defaultValue = "" + CandidateSearch.ASKED_DEFAULT,
      description = "Concentrators a sampled search asks, d (default: ${DEFAULT-VALUE}).")
  int asked;

  @Option(names = "--vms", paramLabel = "N", defaultValue = "20000",
      description = "Simulated desktops (default: ${DEFAULT-VALUE}).")
  int vms;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "5000",
      description = "Requests that warm each system up first, closed loop, not reported (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--rate", paramLabel = "RATE", defaultValue = "500",
      description = "Requests per second of the open-loop phase (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--step", paramLabel = "DURATION", defaultValue = "10s",
      description = "Length of the open-loop phase (default: ${DEFAULT-VALUE}).")
  String step;

  @Option(names = "--closed-requests", paramLabel = "N", defaultValue = "5000",
      description = "Requests of the closed-loop phase; 0 for none (default: ${DEFAULT-VALUE}).")
  int closedRequests;

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "32",
      description = "Users asking at once in the warm-up and the closed loop (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Mixin HeartbeatOptions heartbeat;

  @Option(names = "--results", paramLabel = "DIR", defaultValue = "bench/results",
      description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/bench-choice",
      description = "Configs, stores and logs of the processes; emptied first (default: ${DEFAULT-VALUE}).")
  Path workDir;

  /** One system's outcome, as the results file keeps it: the set's size, the search, what the storm keeps. */
  record SystemResult(int concentrators, String search, StormCommand.SystemResult measured) {

    /** The open-loop phase (there is one). */
    LoadCommand.Phase open() {
      return measured.phases().stream().filter(p -> p.result().mode().equals("open")).findFirst().orElse(null);
    }
  }

  @Override
  public Integer call() throws Exception {
    List<CandidateSearch> searches = searches();
    Duration stepLength = Durations.parse(step);
    LoadGenerator load = new LoadGenerator(warmup, 0, List.of(rate), stepLength, concurrency, closedRequests);
    int users = load.users();
    validate(users);
    Heartbeats beats = heartbeat.heartbeats();
    WorkDir.refuseForeign(workDir, MARKER, "bench");
    // Say now, before anything is written, when there is no jar to run.
    LocalProcesses.productJar();
    ToolsJar.path();
    WorkDir.prepare(workDir, MARKER, "bench choice");
    RunLog log = new RunLog(spec.commandLine().getOut());
    log.line(String.format(Locale.ROOT, "choice: 1 set of %s concentrators, %s; %d VMs, %d users; warm-up %d "
            + "x%d, open loop %.0f/s for %s, closed loop %d requests x%d",
        concentrators.stream().map(String::valueOf).collect(Collectors.joining(", ")),
        searches.stream().map(String::valueOf).collect(Collectors.joining(" and ")), vms, users, warmup,
        concurrency, rate, Durations.format(stepLength), closedRequests, concurrency));

    List<SystemResult> measured = new ArrayList<>();
    for (int n : concentrators) {
      for (CandidateSearch search : searches) {
        String name = "c" + n + "-" + search.mode();
        Path dir = workDir.resolve(name);
        try (LocalProcesses processes = new LocalProcesses(ToolsJar.path(), dir.resolve("logs"));
            ShardedSystem system = new ShardedSystem(name, 1, n, search, new Fleet(vms, 1), users, beats, dir,
                log)) {
          log.event("%s (%s): starting", name, system.describe());
          SystemUnderTest.Started started = system.start();
          log.event("%s: ready at %s; the load starts", name, started.broker());
          List<LoadCommand.Phase> phases = load.run(name, started, processes, dir, log);
          measured.add(new SystemResult(n, search.toString(), new StormCommand.SystemResult(name,
              system.describe(), started.registrationSeconds(), started.registrationWhat(), started.heap(),
              phases)));
          log.event("%s: done; stopping its processes", name);
        } catch (IllegalStateException e) {
          // A process that would not start or a generator that failed: the logs say why.
          log.line("choice: aborted while measuring " + name + ": " + e.getMessage());
          log.line("choice: configs and logs are in " + dir.toAbsolutePath().normalize());
          return 1;
        }
      }
    }
    Path file = ResultsFile.write(results, "choice-", options(users, stepLength), measured);
    report(log, measured, file);
    return measured.stream().allMatch(r -> r.measured().sessions() > 0) ? 0 : 1;
  }

  /** The searches --modes names, in order; the error names a mode that is neither. */
  private List<CandidateSearch> searches() {
    List<CandidateSearch> searches = new ArrayList<>();
    for (String mode : modes) {
      CandidateSearch search = new CandidateSearch(CandidateSearch.Mode.parse(mode), asked);
      if (!searches.contains(search)) {
        searches.add(search);
      }
    }
    return searches;
  }

  private void validate(int users) {
    if (concentrators.stream().anyMatch(n -> n < 1 || n > MOST_CONCENTRATORS)) {
      throw new IllegalArgumentException("--concentrators must each be 1.." + MOST_CONCENTRATORS
          + " (each is a JVM on this machine), got " + concentrators);
    }
    if (vms < 1 || concurrency < 1 || warmup < 0 || closedRequests < 0 || !(rate > 0)) {
      throw new IllegalArgumentException("--vms, --concurrency must be 1 or more, --rate more "
          + "than 0, --warmup and --closed-requests 0 or more");
    }
    if (users > vms) {
      throw new IllegalArgumentException("each system is asked for " + users + " desktops (warm-up, --rate for "
          + "--step, closed loop) but the fleet has only --vms " + vms + "; give more VMs or fewer requests");
    }
    if (users > 999_999) {
      throw new IllegalArgumentException("at most 999999 users, got " + users);
    }
  }

  private Map<String, Object> options(int users, Duration stepLength) {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("concentrators", concentrators);
    options.put("modes", modes);
    options.put("asked", asked);
    options.put("vms", vms);
    options.put("users", users);
    options.put("warmup", warmup);
    options.put("rate", rate);
    options.put("stepSeconds", stepLength.toMillis() / 1000.0);
    options.put("closedRequests", closedRequests);
    options.put("concurrency", concurrency);
    heartbeat.putInto(options);
    return options;
  }

  private static void report(RunLog log, List<SystemResult> measured, Path file) {
    log.line("");
    log.line(String.format(Locale.ROOT, "%-6s %-14s %8s %8s %8s %8s %8s %6s %9s %8s",
        "concs", "search", "msgs/ses", "broker", "p50 ms", "p99 ms", "p99.9 ms", "failed", "closed/s",
        "cpu s/1k"));
    for (SystemResult r : measured) {
      LoadCommand.Phase open = r.open();
      LoadCommand.Phase closed = r.measured().closed();
      log.line(String.format(Locale.ROOT, "%-6d %-14s %8s %8s %8.2f %8.2f %8.2f %6d %9s %8.2f",
          r.concentrators(), r.search(), measuredOrDash(open.messagesPerSession()),
          measuredOrDash(open.brokerMessagesPerSession()), open.result().latencyMs().p50(),
          open.result().latencyMs().p99(), open.result().latencyMs().p999(), r.measured().failed(),
          closed == null ? "-" : String.format(Locale.ROOT, "%.0f", closed.result().throughput()),
          open.cpuSecondsPer1000()));
    }
    log.line("(msgs/ses: every concentrator's messages per session of the open phase; broker: those with the "
        + "broker; cpu s/1k: of the open phase)");
    log.line("choice: results in " + file.toAbsolutePath().normalize());
    log.line(lastLine(measured));
  }

  private static String measuredOrDash(double value) {
    return value < 0 ? "-" : String.format(Locale.ROOT, "%.1f", value);
  }

  /** The largest set measured, each search's messages per brokering and p99 of the open phase. */
  static String lastLine(List<SystemResult> measured) {
    int largest = measured.stream().mapToInt(SystemResult::concentrators).max().orElse(0);
    List<String> parts = measured.stream()
        .filter(r -> r.concentrators() == largest && r.open() != null)
        .map(r -> String.format(Locale.ROOT, "%s %s messages, p99 %.2f ms", r.search(),
            measuredOrDash(r.open().messagesPerSession()), r.open().result().latencyMs().p99()))
        .toList();
    if (parts.isEmpty()) {
      return "choice: nothing measured";
    }
    return "choice: at " + largest + (largest == 1 ? " concentrator, " : " concentrators, ")
        + String.join("; ", parts);
  }
}
