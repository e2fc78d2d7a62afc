package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Whether every set sees the fleet as it is: for each set, a broker's listing of the set's VMs
 * ({@code GET /api/v1/vms?set=X}) must be complete and match the agents' own truth VM for VM:
 * same pool and capacity, reachable and not pending, listed by the concentrator the agent is
 * attached to, with the same users' sessions as the desktop runs. The truth is the sim's record
 * and, for the real agents' VMs, their own (see {@link ChaosCluster#truth}). {@link #await} polls
 * until it holds and says how long that took.
 */
final class Convergence {

  /** The outcome: whether it held within the bound, when, and what differed last. */
  record Result(boolean converged, double seconds, List<String> differences) {}

  private static final int SHOWN = 10;

  private final ChaosCluster cluster;
  private final JsonHttp http = new JsonHttp(Duration.ofSeconds(30));

  Convergence(ChaosCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Polls every second until every set agrees with the truth, or {@code bound} has passed since
   * {@code sinceNanos} (a {@link System#nanoTime} value: when the chaos ended).
   */
  Result await(long sinceNanos, Duration bound) throws InterruptedException {
    String user = ChaosCluster.user(1);
    List<String> last = List.of("not checked yet");
    while (true) {
      try {
        JsonNode truth = cluster.truth();
        List<String> differences = new ArrayList<>();
        for (String set : ChaosCluster.SETS) {
          URI broker = cluster.brokers().get(0).resolve("/api/v1/vms?set=" + set);
          differences.addAll(differences(truth, set, http.get(broker, user, ChaosCluster.password(user))));
        }
        last = differences;
      } catch (IOException e) {
        last = List.of("cannot compare: " + e.getMessage());
      }
      double seconds = (System.nanoTime() - sinceNanos) / 1e9;
      if (last.isEmpty()) {
        return new Result(true, seconds, List.of());
      }
      if (seconds > bound.toSeconds()) {
        return new Result(false, seconds, last);
      }
      Thread.sleep(1000);
    }
  }

  /** Where one set's listing differs from the truth; empty when it matches (the first few, and a count). */
  static List<String> differences(JsonNode truth, String set, JsonNode listing) {
    List<String> found = new ArrayList<>();
    if (!listing.path("complete").asBoolean(false)) {
      found.add("set " + set + ": not every concentrator answered the listing");
    }
    Map<String, JsonNode> listed = new HashMap<>();
    listing.path("vms").forEach(vm -> listed.put(vm.path("id").asText(), vm));
    int count = 0;
    for (JsonNode vm : truth.path("vms")) {
      String id = vm.path("vmId").asText();
      String difference = difference(set, vm, listed.remove(id));
      if (difference != null) {
        count++;
        if (found.size() < SHOWN) {
          found.add("set " + set + ", " + id + ": " + difference);
        }
      }
    }
    for (String unknown : listed.keySet()) {
      count++;
      if (found.size() < SHOWN) {
        found.add("set " + set + ", " + unknown + ": listed, but the sim has no such VM");
      }
    }
    if (count > SHOWN) {
      found.add("set " + set + ": " + (count - SHOWN) + " more VM(s) differ");
    }
    return found;
  }

  /** How one VM's listing differs from its truth, or null when it matches. */
  private static String difference(String set, JsonNode truth, JsonNode listed) {
    if (listed == null) {
      return "not listed";
    }
    String state = listed.path("state").asText();
    if (state.equals("unreachable") || state.equals("pending")) {
      return state;
    }
    if (!truth.path("pool").asText().equals(listed.path("pool").asText())) {
      return "pool " + listed.path("pool").asText() + ", but the agent serves " + truth.path("pool").asText();
    }
    if (truth.path("capacity").asInt() != listed.path("capacity").asInt()) {
      return "capacity " + listed.path("capacity").asInt() + ", but the agent has " + truth.path("capacity").asInt();
    }
    String attachedTo = truth.path("attachments").path(set).asText(null);
    if (!Objects.equals(attachedTo, listed.path("concentrator").asText(null))) {
      return "listed by " + listed.path("concentrator").asText() + ", but the agent is attached to " + attachedTo;
    }
    Map<String, Integer> onDesktop = new TreeMap<>();
    truth.path("sessions").forEach(s -> onDesktop.merge(s.path("user").asText(), 1, Integer::sum));
    Map<String, Integer> inListing = new TreeMap<>();
    listed.path("sessions").forEach(u -> inListing.merge(u.asText(), 1, Integer::sum));
    if (!onDesktop.equals(inListing)) {
      return "sessions of " + inListing.keySet() + ", but the desktop runs sessions of " + onDesktop.keySet();
    }
    return null;
  }
}
