package io.shardbroker.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.agent.sim.SimulatedFleet.SessionTruth;
import io.shardbroker.agent.sim.SimulatedFleet.VmTruth;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants of docs/design.md checked against what the simulated desktops themselves saw, not
 * against what brokers or concentrators believe.
 */
public final class FleetInvariants {

  private FleetInvariants() {}

  /** No VM ever ran more sessions than its capacity; no user has two sessions in one pool. */
  public static void assertNoDoubleAssignment(List<VmTruth> truth) {
    Set<String> userInPool = new HashSet<>();
    for (VmTruth vm : truth) {
      assertThat(vm.maxConcurrentSessions())
          .as("most sessions %s ever ran at once (capacity %d)", vm.vmId(), vm.capacity())
          .isLessThanOrEqualTo(vm.capacity());
      assertThat(vm.sessions()).as("sessions on %s", vm.vmId()).hasSizeLessThanOrEqualTo(vm.capacity());
      for (SessionTruth s : vm.sessions()) {
        assertThat(userInPool.add(s.user() + "@" + vm.pool()))
            .as("%s has a second session in pool %s (on %s)", s.user(), vm.pool(), vm.vmId())
            .isTrue();
      }
    }
  }

  /**
   * Every session the broker handed out runs where it said, for whom it said, and nothing else
   * runs: no half-started sessions behind refusals or timeouts.
   */
  public static void assertExactlyTheseSessions(List<VmTruth> truth, List<JsonNode> handedOut) {
    Map<String, String> where = new HashMap<>();
    Map<String, String> whose = new HashMap<>();
    for (VmTruth vm : truth) {
      for (SessionTruth s : vm.sessions()) {
        where.put(s.sessionId(), vm.vmId());
        whose.put(s.sessionId(), s.user());
      }
    }
    for (JsonNode session : handedOut) {
      String id = session.get("sessionId").asText();
      assertThat(where.get(id)).as("VM of session %s", id).isEqualTo(session.get("vmId").asText());
      assertThat(whose.get(id)).as("user of session %s", id).isEqualTo(session.get("user").asText());
    }
    assertThat(where).as("sessions running on the desktops").hasSize(handedOut.size());
  }

  public static int sessionCount(List<VmTruth> truth) {
    return truth.stream().mapToInt(vm -> vm.sessions().size()).sum();
  }
}
