package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
   * Double assignments over the whole run. Simulated VMs: sessions beyond a host's capacity as the
   * sim counted them, or the VMs whose own high-water marks show it, when those are more. Real
   * agents' VMs ({@code "realAgent": true}), which the sim does not see: each one whose own record
   * shows more sessions at once than its capacity. Users with two sessions in one pool: as the sim
   * counted them, or those running now on any VM, simulated or real, when those are more.
   *
   * @throws IllegalStateException when the sim does not count violations
   */
  static long doubles(JsonNode truth) {
    JsonNode violations = truth.path("violations");
    if (!violations.has("overCapacity") || !violations.has("userTwiceInPool")) {
      throw new IllegalStateException("the sim's /truth has no \"violations\" {overCapacity, "
          + "userTwiceInPool}: this chaos run needs a sim that counts them over the whole run");
    }
    long simulatedOverCapacity = 0;
    long realOverCapacity = 0;
    for (JsonNode vm : truth.path("vms")) {
      if (overCapacity(vm)) {
        if (vm.path("realAgent").asBoolean()) {
          realOverCapacity++;
        } else {
          simulatedOverCapacity++;
        }
      }
    }
    long twiceNow = usersTwiceNow(truth).size();
    return Math.max(violations.path("overCapacity").asLong(), simulatedOverCapacity) + realOverCapacity
        + Math.max(violations.path("userTwiceInPool").asLong(), twiceNow);
  }

  /**
   * What the VMs' records show, in words naming the VM: each VM that ever ran more sessions than
   * its capacity, and each user with two sessions in one pool now.
   */
  static List<String> doublesShown(JsonNode truth) {
    List<String> shown = new ArrayList<>();
    for (JsonNode vm : truth.path("vms")) {
      if (overCapacity(vm)) {
        shown.add(String.format(Locale.ROOT, "%s%s ran %d sessions at once (capacity %d)",
            vm.path("realAgent").asBoolean() ? "real agent's VM " : "", vm.path("vmId").asText(),
            vm.path("maxConcurrentSessions").asInt(), vm.path("capacity").asInt()));
      }
    }
    usersTwiceNow(truth).forEach((userInPool, vms) -> shown.add(userInPool + " on " + String.join(", ", vms)));
    return shown;
  }

  private static boolean overCapacity(JsonNode vm) {
    return vm.path("maxConcurrentSessions").asInt() > vm.path("capacity").asInt();
  }

  /**
   * "USER has sessions in pool POOL" -> the VM of each of those sessions, for the users with more
   * than one in a pool now.
   */
  private static Map<String, List<String>> usersTwiceNow(JsonNode truth) {
    Map<String, List<String>> vmsPerUserAndPool = new TreeMap<>();
    for (JsonNode vm : truth.path("vms")) {
      String pool = vm.path("pool").asText();
      vm.path("sessions").forEach(s -> vmsPerUserAndPool.computeIfAbsent(
          s.path("user").asText() + " has sessions in pool " + pool, k -> new ArrayList<>()).add(vm.path("vmId").asText()));
    }
    vmsPerUserAndPool.values().removeIf(vms -> vms.size() < 2);
    return vmsPerUserAndPool;
  }

  /** Examples of violations the sim gives, for the report. */
  static List<String> violationExamples(JsonNode truth) {
    List<String> examples = new ArrayList<>();
    truth.path("violations").path("examples").forEach(e -> examples.add(e.isTextual() ? e.asText() : e.toString()));
    return examples;
  }
}
