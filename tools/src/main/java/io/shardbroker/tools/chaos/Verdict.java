package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of a chaos run and its one-line summary. It passes when no double assignment
 * happened, no request failed other than retryably or hung, every set converged to the agents'
 * truth in time, and every fault could be injected and undone.
 *
 * @param storm the storm's counts
 * @param doubles double assignments over the whole run (see {@link #doubles})
 * @param convergence how the sets came to agree with the truth
 * @param failures what else went wrong (faults that could not be injected or undone)
 */
record Verdict(Outcomes.Snapshot storm, long doubles, Convergence.Result convergence, List<String> failures) {

  Verdict {
    failures = List.copyOf(failures);
  }

  boolean passed() {
    return doubles == 0 && storm.errors() == 0 && convergence.converged() && failures.isEmpty();
  }

  /** {@code chaos: R requests, O ok, T retryable, D double assignments, converged in S s}. */
  String lastLine() {
    return String.format(Locale.ROOT, "chaos: %d requests, %d ok, %d retryable, %d double assignments, %s",
        storm.requests(), storm.ok(), storm.retryable(), doubles,
        convergence.converged()
            ? String.format(Locale.ROOT, "converged in %.1f s", convergence.seconds())
            : String.format(Locale.ROOT, "not converged after %.1f s", convergence.seconds()));
  }

  /**
   * Double assignments the sim saw over the whole run: sessions beyond a host's capacity and
   * users with two sessions in one pool, as the sim counted them; where the VMs' own high-water
   * marks or the sessions running now show more, those count instead.
   *
   * @throws IllegalStateException when the sim does not count violations
   */
  static long doubles(JsonNode truth) {
    JsonNode violations = truth.path("violations");
    if (!violations.has("overCapacity") || !violations.has("userTwiceInPool")) {
      throw new IllegalStateException("the sim's /truth has no \"violations\" {overCapacity, "
          + "userTwiceInPool}: this chaos run needs a sim that counts them over the whole run");
    }
    long overCapacity = 0;
    Map<String, Integer> sessionsPerUserAndPool = new HashMap<>();
    for (JsonNode vm : truth.path("vms")) {
      if (vm.path("maxConcurrentSessions").asInt() > vm.path("capacity").asInt()) {
        overCapacity++;
      }
      String pool = vm.path("pool").asText();
      vm.path("sessions").forEach(s -> sessionsPerUserAndPool.merge(
          s.path("user").asText() + "\u0000" + pool, 1, Integer::sum));
    }
    long twiceNow = sessionsPerUserAndPool.values().stream().filter(n -> n > 1).count();
    return Math.max(violations.path("overCapacity").asLong(), overCapacity)
        + Math.max(violations.path("userTwiceInPool").asLong(), twiceNow);
  }

  /** Examples of violations the sim gives, for the report. */
  static List<String> violationExamples(JsonNode truth) {
    List<String> examples = new ArrayList<>();
    truth.path("violations").path("examples").forEach(e -> examples.add(e.isTextual() ? e.asText() : e.toString()));
    return examples;
  }
}
