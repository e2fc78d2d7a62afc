package io.shardbroker.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.shardbroker.cli.config.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    header = "Drives a logon storm at a running broker and times the answers (the storm's load generator).",
    description = {
        "Users s000001 and up (password pw-<name>), each once, ask a broker for a desktop in --pool "
            + "(POST /api/v1/sessions). Phases, one after the other, each with users of its own: "
            + "--warmup requests (at --warmup-rate, or at --concurrency), not reported; then --step at each of "
            + "--rates requests per "
            + "second (open loop: requests are sent when due, answered or not, and timed from when they were "
            + "due); then --closed-requests with --concurrency users asking as fast as they are answered.",
        "",
        "Prints one line per phase and writes them all, with the latency histograms, to --out as JSON. "
            + "'shardbroker bench storm' starts it in a process of its own; run it by hand against a broker "
            + "whose directory has those users."
    })
public final class LoadCommand implements Callable<Integer> {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Option(names = "--target", required = true, paramLabel = "URL",
      description = "The broker's base URL, e.g. http://127.0.0.1:8080.")
  URI target;

  @Option(names = "--pool", defaultValue = "desktop", paramLabel = "NAME",
      description = "Pool to ask for (default: ${DEFAULT-VALUE}).")
  String pool;

  @Option(names = "--first-user", defaultValue = "1", paramLabel = "N",
      description = "Index of the first user (default: ${DEFAULT-VALUE}).")
  int firstUser;

  @Option(names = "--warmup", defaultValue = "0", paramLabel = "N",
      description = "Requests to warm the system up with first, not reported (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--warmup-rate", defaultValue = "0", paramLabel = "RATE",
      description = "Requests per second of the warm-up, open loop; 0 for --concurrency users asking as fast "
          + "as answered (default: ${DEFAULT-VALUE}). A steady warm-up leaves the JVMs as the measured phases "
          + "find them; a burst leaves them collecting and compiling.")
  double warmupRate;

  @Option(names = "--rates", split = ",", paramLabel = "RATE",
      description = "Open-loop phases: requests per second, comma-separated (e.g. 500,1000,2000).")
  List<Double> rates = new ArrayList<>();

  @Option(names = "--step", defaultValue = "10s", paramLabel = "DURATION",
      description = "How long each open-loop phase offers its rate (default: ${DEFAULT-VALUE}).")
  String step;

  @Option(names = "--concurrency", defaultValue = "64", paramLabel = "N",
      description = "Users asking at once in the warm-up and the closed-loop phase (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--closed-requests", defaultValue = "0", paramLabel = "N",
      description = "Requests of the closed-loop phase; 0 for none (default: ${DEFAULT-VALUE}).")
  int closedRequests;

  @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION",
      description = "A request unanswered this long fails (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--cpu-of", split = ",", paramLabel = "PID",
      description = "Processes of the system under test: their CPU time (with their descendants') is "
          + "reported per phase.")
  List<Long> cpuOf = new ArrayList<>();

  @Option(names = "--prometheus", split = ",", paramLabel = "URL",
      description = "Concentrators' /metrics: their gRPC message and byte counters are reported per session.")
  List<URI> prometheus = new ArrayList<>();

  @Option(names = "--statement-counters", split = ",", paramLabel = "URL",
      description = "JSON counters of SQL statements ({\"statements\": n}) of a database-backed system.")
  List<URI> statementCounters = new ArrayList<>();

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write the phases as JSON.")
  Path out;

  /**
   * One phase as reported: what the load saw, the CPU the system spent meanwhile, and the
   * messages and bytes it exchanged per session, and of those messages the ones between brokers
   * and concentrators (each negative when not measured).
   */
  record Phase(String name, LoadResult result, double cpuSeconds, double cpuSecondsPer1000,
      double messagesPerSession, double bytesPerSession, double brokerMessagesPerSession) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter stdout = spec.commandLine().getOut();
    Duration stepLength = Durations.parse(step);
    Duration requestTimeout = Durations.parse(timeout);
    if (warmup < 0 || closedRequests < 0 || concurrency < 1 || firstUser < 1 || warmupRate < 0) {
      throw new IllegalArgumentException("--warmup, --warmup-rate and --closed-requests must be 0 or more, "
          + "--concurrency and --first-user 1 or more");
    }
    SystemCpu cpu = new SystemCpu(cpuOf);
    MessageCounters counters = new MessageCounters(prometheus, statementCounters);
    int user = firstUser;
    if (warmup > 0) {
      new StormLoad(new StormLoad.Plan(target, pool, user, warmup, warmupRate,
          warmupRate > 0 ? 0 : concurrency, requestTimeout)).run();
      user += warmup;
      stdout.printf("load: warmed up with %d requests%n", warmup);
      stdout.flush();
    }
    List<Phase> phases = new ArrayList<>();
    for (double rate : rates) {
      int requests = (int) Math.max(1, Math.round(rate * stepLength.toMillis() / 1000.0));
      phases.add(run("open " + Math.round(rate) + "/s",
          new StormLoad.Plan(target, pool, user, requests, rate, 0, requestTimeout), cpu, counters, stdout));
      user += requests;
    }
    if (closedRequests > 0) {
      phases.add(run("closed x" + concurrency,
          new StormLoad.Plan(target, pool, user, closedRequests, 0, concurrency, requestTimeout), cpu, counters, stdout));
    }
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      JSON.writeValue(out.toFile(), phases);
    }
    return 0;
  }

  /**
   * The system's message counters, or null when it has none or cannot answer: an overloaded
   * system may not serve its counters in time, and that must not end the measurement.
   */
  private static MessageCounters.Totals read(MessageCounters counters) throws InterruptedException {
    if (!counters.any()) {
      return null;
    }
    try {
      return counters.read();
    } catch (IOException e) {
      return null;
    }
  }

  private static Phase run(String name, StormLoad.Plan plan, SystemCpu cpu, MessageCounters counters,
      PrintWriter stdout) throws InterruptedException {
    // Let the previous phase's last answers and writes settle, so phases do not overlap.
    TimeUnit.SECONDS.sleep(1);
    MessageCounters.Totals before = read(counters);
    double cpuBefore = cpu.seconds();
    LoadResult result = new StormLoad(plan).run();
    double cpuSeconds = cpu.seconds() - cpuBefore;
    MessageCounters.Totals after = before == null ? null : read(counters);
    MessageCounters.Totals spent = after == null ? null : after.minus(before);
    long sessions = Math.max(1, result.sessions());
    Phase phase = new Phase(name, result, cpuSeconds, cpuSeconds * 1000 / sessions,
        spent == null ? -1 : spent.messages() / sessions,
        spent == null || spent.bytes() < 0 ? -1 : spent.bytes() / sessions,
        spent == null || spent.brokerMessages() < 0 ? -1 : spent.brokerMessages() / sessions);
    stdout.printf(Locale.ROOT, "load: %s; system CPU %.1f s, %.2f s per 1000 sessions%s%n", result.summary(),
        cpuSeconds, phase.cpuSecondsPer1000(), spent == null ? ""
            : String.format(Locale.ROOT, "; %.1f messages%s%s per session", phase.messagesPerSession(),
                phase.brokerMessagesPerSession() < 0 ? ""
                    : String.format(Locale.ROOT, " (%.1f with brokers)", phase.brokerMessagesPerSession()),
                phase.bytesPerSession() < 0 ? "" : String.format(Locale.ROOT, ", %.0f bytes", phase.bytesPerSession())));
    stdout.flush();
    return phase;
  }
}
