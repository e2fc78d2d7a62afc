package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.tools.run.RunLog;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    header = "Runs a cluster as separate processes under load and faults, and checks it stays right.",
    description = {
        "Starts on 127.0.0.1, as separate processes from the product jar: 2 brokers (each with its own store), "
            + "2 sets of 3 concentrators, a sim with --vms VMs (4 in 5 single-user desktops in pool "
            + "'desktop', the rest hosts of 4 sessions in pool 'shared'), and --real-agents agent processes "
            + "of single-user VMs in pool 'desktop' too, whose exec hosts run the example session scripts "
            + "(config/scripts), each VM with its own session directory. Then it drives a steady storm of "
            + "session starts, reconnects and logoffs from --users users at --rate requests per second, "
            + "each user through a home broker (the other one while it is down), and meanwhile, planned "
            + "from --seed: every few seconds kills -9 and restarts a random concentrator or cuts the agent "
            + "streams of 1%% of the VMs for a few seconds; once kills -9 and restarts a broker; once takes a "
            + "whole set down and back; and from the 15th second every 10 to 20 s kills -9 a random real agent "
            + "and restarts it a few seconds later, while its VM's sessions go on. Each fault is printed as it happens, and "
            + "progress every 10 s.",
        "",
        "At the end it stops the faults and the storm, waits until every set's view of every VM equals "
            + "what the agents themselves report, and checks against the sim's own record of the whole run, "
            + "and the real VMs' own (their start script counts, before each start, the sessions already "
            + "there): no VM ever held more sessions than its capacity (no single-user desktop two sessions), "
            + "no user ever held two sessions in one pool (for the real VMs: none at the end); every request got a success or a retryable answer (503 or "
            + "409 with Retry-After, or a refused connection to a broker that was down) and none hung past "
            + "--request-timeout (plus 5 s); every answer gave the user the session it should.",
        "",
        "The last line is the result:",
        "  chaos: <requests> requests, <ok> ok, <retryable> retryable, <double> double assignments, "
            + "converged in <seconds> s",
        "(or 'not converged after <seconds> s'). Requests neither ok nor retryable are errors: they are "
            + "listed above it and in errors.log in the work directory. The exit code is 0 only with no "
            + "errors, no double assignments, and convergence within " + ChaosCommand.CONVERGENCE_BOUND_SECONDS
            + " s. The work directory (configs, stores, every process's log) is deleted after a run that "
            + "passes, unless --keep-logs; after a failure it stays."
    })
public final class ChaosCommand implements Callable<Integer> {

  static final int CONVERGENCE_BOUND_SECONDS = 120;
  /**
   * Short, since recovery follows it; not 1 s, at which 5,000 VMs' heartbeats on both sets keep
   * two cores so busy while a set's agents re-home that answers miss the request bound.
   */
  private static final Duration HEARTBEAT = Duration.ofSeconds(2);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
  private static final String MARKER = ".shardbroker-chaos";

  @Spec CommandSpec spec;

  @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10m",
      description = "How long the storm and the faults last, e.g. 2m (default: ${DEFAULT-VALUE}; at least 30s).")
  String duration;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
      description = "Seed of the fault plan, the users' choices and the sim (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--vms", paramLabel = "N", defaultValue = "5000",
      description = "Simulated VMs (default: ${DEFAULT-VALUE}).")
  int vms;

  @Option(names = "--real-agents", paramLabel = "N", defaultValue = "4",
      description = "Real agent processes, single-user VMs in pool 'desktop' that are killed -9 and "
          + "restarted among the faults; 0 for none (default: ${DEFAULT-VALUE}).")
  int realAgents;

  @Option(names = "--users", paramLabel = "N", defaultValue = "2000",
      description = "Users in the storm, u00001 and up (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "50",
      description = "Session requests per second, all users together (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--request-timeout", paramLabel = "DURATION", defaultValue = "30s",
      description = "The brokers' bound on a session request; unanswered 5 s past it, a request counts "
          + "as hung (default: ${DEFAULT-VALUE}).")
  String requestTimeout;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/chaos",
      description = "Where configs, stores and logs go; emptied first (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--keep-logs", description = "Keep the work directory after a run that passes.")
  boolean keepLogs;

  @Override
  public Integer call() throws Exception {
    Duration runFor = Durations.parse(duration);
    Duration bound = Durations.parse(requestTimeout);
    validate(runFor, bound);
    WorkDir.refuseForeign(workDir, MARKER, "chaos");
    LocalProcesses.productJar();  // says now, before anything is written, when there is no jar to run
    WorkDir.prepare(workDir, MARKER, "chaos");
    RunLog log = new RunLog(spec.commandLine().getOut());
    int desktops = vms * 4 / 5;
    ChaosCluster.Spec clusterSpec = new ChaosCluster.Spec(desktops, vms - desktops, 4, realAgents, users, bound,
        HEARTBEAT, seed);
    ChaosCluster cluster = new ChaosCluster(clusterSpec, workDir, log);
    List<FaultSchedule.Planned> plan = FaultSchedule.plan(seed, runFor, vms, cluster.realAgents());
    log.line(String.format("chaos: seed %d; %d brokers, %d sets x %d concentrators, %d VMs (%d desktops, "
            + "%d shared hosts x 4), %d real agents; %d users at %s requests/s for %s, %d faults planned "
            + "(%d agent crashes); work dir %s",
        seed, ChaosCluster.BROKERS, ChaosCluster.SETS.size(), ChaosCluster.CONCENTRATORS_PER_SET, vms,
        desktops, vms - desktops, realAgents, users, rate, Durations.format(runFor), plan.size(),
        plan.stream().filter(p -> p.fault() instanceof FaultSchedule.AgentCrash).count(),
        workDir.toAbsolutePath().normalize()));
    Verdict verdict = null;
    String aborted = null;
    try (Outcomes outcomes = new Outcomes(workDir)) {
      try {
        verdict = run(log, cluster, plan, runFor, outcomes);
      } catch (IllegalStateException e) {
        aborted = e.getMessage();  // a role that would not start, a sim without the needed endpoints
      }
      log.event("stopping every process");
    } finally {
      cluster.close();
    }
    if (aborted != null) {
      log.line("chaos: logs, configs and stores are in " + workDir.toAbsolutePath().normalize());
      log.line("chaos: aborted: " + aborted);
      return 1;
    }
    if (!verdict.passed() || keepLogs) {
      log.line("chaos: logs, configs and stores are in " + workDir.toAbsolutePath().normalize());
    } else {
      WorkDir.delete(workDir);
    }
    log.line(verdict.lastLine());
    return verdict.passed() ? 0 : 1;
  }

  private Verdict run(RunLog log, ChaosCluster cluster, List<FaultSchedule.Planned> plan, Duration runFor,
      Outcomes outcomes) throws IOException, InterruptedException {
    cluster.start();
    Verdict.doubles(cluster.truth());  // fails now, not after the run, if the sim cannot tell
    log.event("cluster ready; storm and faults start");

    StormDriver storm = new StormDriver(cluster, users, rate, Durations.parse(requestTimeout), seed, outcomes);
    FaultSchedule faults = new FaultSchedule(cluster, plan, log);
    long chaosEnded;
    try {
      long end = System.nanoTime() + runFor.toNanos();
      storm.start();
      faults.start();
      while (System.nanoTime() < end && faults.failures().isEmpty()) {
        TimeUnit.NANOSECONDS.sleep(Math.min(PROGRESS_EVERY.toNanos(), end - System.nanoTime()));
        Outcomes.Snapshot s = outcomes.snapshot();
        log.event("storm: %d requests, %d ok, %d retryable, %d errors, slowest %d ms lately; %d faults so far",
            s.requests(), s.ok(), s.retryable(), s.errors(), outcomes.takeRecentMaxLatency().toMillis(),
            faults.injected());
      }
      log.event("chaos ends: faults stop, whatever is down comes back, the storm stops");
      chaosEnded = System.nanoTime();
    } finally {
      faults.stop();  // also when the run fails half-way: no fault may outlive it
      storm.stop();
    }
    List<String> failures = new ArrayList<>(faults.failures());
    List<String> down = cluster.notRunning();
    if (!down.isEmpty()) {
      failures.add("not running after the chaos: " + String.join(", ", down));
    }
    log.event("waiting until every set's view equals the agents' truth (at most %d s)",
        CONVERGENCE_BOUND_SECONDS);
    Convergence.Result converged = new Convergence(cluster)
        .await(chaosEnded, Duration.ofSeconds(CONVERGENCE_BOUND_SECONDS));
    JsonNode truth = cluster.truth();
    Verdict verdict = new Verdict(outcomes.snapshot(), Verdict.doubles(truth), converged, failures);
    report(log, outcomes, truth, verdict, cluster.realVms(), faults.agentCrashes());
    return verdict;
  }

  /**
   * What the real agents' VMs went through, so that a verdict of 0 double assignments is seen to
   * cover them: the sessions they started, the most at once, and the agent restarts while a
   * session ran.
   */
  private static void reportRealAgents(RunLog log, List<RealAgents.Vm> vms, FaultSchedule.AgentCrashes crashes) {
    if (vms.isEmpty()) {
      return;
    }
    int starts = vms.stream().mapToInt(RealAgents.Vm::starts).sum();
    log.line(String.format(Locale.ROOT, "chaos: real agents: %d VMs started %d session(s) (%s), at most %d at once "
            + "on a VM of capacity %d, %d running at the end; %d agent crashes (kill -9, then restart), %d of them "
            + "while the VM ran a session",
        vms.size(), starts, vms.stream().map(vm -> vm.vmId() + ": " + vm.starts()).collect(Collectors.joining(", ")),
        vms.stream().mapToInt(RealAgents.Vm::mostAtOnce).max().orElse(0), RealAgents.CAPACITY,
        vms.stream().mapToInt(vm -> vm.sessions().size()).sum(), crashes.all(), crashes.withSessions()));
    if (crashes.withSessions() == 0) {
      log.line("chaos: note: no real agent was killed while its VM ran a session, so no restarted agent had a "
          + "user to remember (a longer run, or fewer --vms, makes it likelier)");
    }
  }

  /**
   * What the last line sums up, in detail: answers by kind, the real agents' VMs, errors,
   * violations, differences.
   */
  private static void report(RunLog log, Outcomes outcomes, JsonNode truth, Verdict verdict,
      List<RealAgents.Vm> realVms, FaultSchedule.AgentCrashes agentCrashes) {
    log.line("chaos: answers by kind:");
    for (Map.Entry<String, Long> e : outcomes.byWhat().entrySet()) {
      log.line(String.format("  %8d  %s", e.getValue(), e.getKey()));
    }
    log.line(String.format("chaos: slowest answer %d ms; sim: %d sessions started, %d ended",
        verdict.storm().maxLatency().toMillis(), truth.path("sessionsStarted").asLong(),
        truth.path("sessionsEnded").asLong()));
    reportRealAgents(log, realVms, agentCrashes);
    if (verdict.storm().errors() > 0) {
      log.line("chaos: FAILED: " + verdict.storm().errors() + " request(s) failed other than retryably, e.g.:");
      outcomes.errorExamples().forEach(e -> log.line("  " + e));
    }
    if (verdict.doubles() > 0) {
      log.line("chaos: FAILED: " + verdict.doubles() + " double assignment(s): " + truth.path("violations"));
      Verdict.violationExamples(truth).forEach(e -> log.line("  " + e));
      Verdict.doublesShown(truth).forEach(e -> log.line("  " + e));
    }
    if (!verdict.convergence().converged()) {
      log.line("chaos: FAILED: the sets did not agree with the agents' truth; last differences:");
      verdict.convergence().differences().forEach(d -> log.line("  " + d));
    }
    verdict.failures().forEach(f -> log.line("chaos: FAILED: " + f));
  }

  private void validate(Duration runFor, Duration bound) {
    if (runFor.compareTo(Duration.ofSeconds(30)) < 0) {
      throw new IllegalArgumentException("--duration must be at least 30s (a broker crash and a set "
          + "outage must fit), got " + duration);
    }
    if (bound.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("--request-timeout must be at least 1s, got " + requestTimeout);
    }
    if (realAgents < 0 || realAgents > 50) {
      throw new IllegalArgumentException("--real-agents must be 0..50, got " + realAgents);
    }
    if (vms < 10) {
      throw new IllegalArgumentException("--vms must be at least 10, got " + vms);
    }
    if (users < 1 || users > 99_999) {
      throw new IllegalArgumentException("--users must be 1..99999, got " + users);
    }
    if (!(rate > 0)) {
      throw new IllegalArgumentException("--rate must be more than 0, got " + rate);
    }
  }
}
