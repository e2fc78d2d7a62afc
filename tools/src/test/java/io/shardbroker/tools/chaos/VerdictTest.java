package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictTest {

  private static final Outcomes.Snapshot CLEAN = new Outcomes.Snapshot(120, 100, 20, 0, Duration.ofMillis(900));
  private static final Convergence.Result CONVERGED = new Convergence.Result(true, 4.25, List.of());

  @Test
  void theLastLineSaysEverythingInOneFixedForm() {
    Verdict verdict = new Verdict(CLEAN, 0, CONVERGED, List.of());

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.lastLine())
        .isEqualTo("chaos: 120 requests, 100 ok, 20 retryable, 0 double assignments, converged in 4.3 s");
  }

  @Test
  void anyErrorDoubleAssignmentFailureOrMissedConvergenceFails() {
    assertThat(new Verdict(new Outcomes.Snapshot(121, 100, 20, 1, Duration.ZERO), 0, CONVERGED, List.of()).passed())
        .isFalse();
    assertThat(new Verdict(CLEAN, 1, CONVERGED, List.of()).passed()).isFalse();
    assertThat(new Verdict(CLEAN, 0, CONVERGED, List.of("b2 did not come back")).passed()).isFalse();
    Verdict late = new Verdict(CLEAN, 0, new Convergence.Result(false, 121, List.of("set a: ...")), List.of());
    assertThat(late.passed()).isFalse();
    assertThat(late.lastLine()).endsWith("0 double assignments, not converged after 121.0 s");
  }

  @Test
  void doubleAssignmentsAreTheSimsCountsOrWhatTheVmsShowWhenThatIsMore() throws Exception {
    JsonNode truth = JsonHttp.JSON.readTree("""
        {"violations": {"overCapacity": 1, "userTwiceInPool": 0, "examples": []},
         "vms": [
           {"vmId": "desktop-00001", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 2,
            "sessions": [{"sessionId": "s1", "user": "u1"}]},
           {"vmId": "desktop-00002", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 2,
            "sessions": [{"sessionId": "s2", "user": "u1"}]},
           {"vmId": "shared-00001", "pool": "shared", "capacity": 4, "maxConcurrentSessions": 1,
            "sessions": [{"sessionId": "s3", "user": "u1"}]}]}
        """);

    // two VMs past their capacity (the sim counted one), and u1 twice in desktop (the sim counted none)
    assertThat(Verdict.doubles(truth)).isEqualTo(3);
  }

  @Test
  void aRealAgentsVmPastItsCapacityCountsBesidesTheSimsAndIsNamed() throws Exception {
    JsonNode truth = JsonHttp.JSON.readTree("""
        {"violations": {"overCapacity": 1, "userTwiceInPool": 0, "examples": []},
         "vms": [
           {"vmId": "desktop-00001", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 2,
            "sessions": []},
           {"vmId": "real-desktop-1", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 2,
            "sessions": [{"sessionId": "s1", "user": "u1"}], "realAgent": true},
           {"vmId": "real-desktop-2", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 1,
            "sessions": [], "realAgent": true}]}
        """);

    // the sim's one, which it counted itself, and the real VM's, which the sim cannot see
    assertThat(Verdict.doubles(truth)).isEqualTo(2);
    assertThat(Verdict.doublesShown(truth)).containsExactly("desktop-00001 ran 2 sessions at once (capacity 1)",
        "real agent's VM real-desktop-1 ran 2 sessions at once (capacity 1)");
  }

  @Test
  void aUserListedTwiceOnARealVmOrOnARealAndASimulatedOneIsADoubleAssignment() throws Exception {
    JsonNode truth = JsonHttp.JSON.readTree("""
        {"violations": {"overCapacity": 0, "userTwiceInPool": 0, "examples": []},
         "vms": [
           {"vmId": "desktop-00001", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 1,
            "sessions": [{"sessionId": "s1", "user": "u2"}]},
           {"vmId": "real-desktop-1", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 1,
            "sessions": [{"sessionId": "s2", "user": "u1"}, {"sessionId": "s3", "user": "u1"}],
            "realAgent": true},
           {"vmId": "real-desktop-2", "pool": "desktop", "capacity": 1, "maxConcurrentSessions": 1,
            "sessions": [{"sessionId": "s4", "user": "u2"}], "realAgent": true}]}
        """);

    assertThat(Verdict.doubles(truth)).isEqualTo(2);
    assertThat(Verdict.doublesShown(truth)).containsExactly(
        "u1 has sessions in pool desktop on real-desktop-1, real-desktop-1",
        "u2 has sessions in pool desktop on desktop-00001, real-desktop-2");
  }

  @Test
  void aSimThatCountsNoViolationsCannotJudgeARun() throws Exception {
    assertThatThrownBy(() -> Verdict.doubles(JsonHttp.JSON.readTree("{\"vms\": []}")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("violations");
  }
}
