package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import org.junit.jupiter.api.Test;

class ConvergenceTest {

  private static final String TRUTH = """
      {"vms": [
        {"vmId": "desktop-00001", "pool": "desktop", "capacity": 1, "attachments": {"a": "a1", "b": "b2"},
         "sessions": [{"sessionId": "s1", "user": "u00001"}]},
        {"vmId": "shared-00001", "pool": "shared", "capacity": 4, "attachments": {"a": "a3", "b": "b1"},
         "sessions": [{"sessionId": "s2", "user": "u00002"}, {"sessionId": "s3", "user": "u00003"}]}]}
      """;

  private static JsonNode json(String text) throws Exception {
    return JsonHttp.JSON.readTree(text);
  }

  private static String listing(boolean complete, String desktopState, String desktopConcentrator,
      String sharedUsers) {
    return """
        {"set": "a", "complete": %s, "count": 2, "vms": [
          {"id": "desktop-00001", "pool": "desktop", "state": "%s", "capacity": 1, "sessions": ["u00001"],
           "concentrator": "%s", "maintenance": false},
          {"id": "shared-00001", "pool": "shared", "state": "in_use", "capacity": 4, "sessions": [%s],
           "concentrator": "a3", "maintenance": false}]}
        """.formatted(complete, desktopState, desktopConcentrator, sharedUsers);
  }

  @Test
  void aSetThatSeesWhatTheAgentsReportHasConverged() throws Exception {
    assertThat(Convergence.differences(json(TRUTH), "a",
        json(listing(true, "in_use", "a1", "\"u00003\", \"u00002\"")))).isEmpty();
  }

  @Test
  void everyKindOfDifferenceIsNamed() throws Exception {
    assertThat(Convergence.differences(json(TRUTH), "a",
        json(listing(false, "unreachable", "a1", "\"u00002\"")))).containsExactly(
        "set a: not every concentrator answered the listing",
        "set a, desktop-00001: unreachable",
        "set a, shared-00001: sessions of [u00002], but the desktop runs sessions of [u00002, u00003]");
    assertThat(Convergence.differences(json(TRUTH), "a",
        json(listing(true, "in_use", "a2", "\"u00002\", \"u00003\"")))).containsExactly(
        "set a, desktop-00001: listed by a2, but the agent is attached to a1");
    assertThat(Convergence.differences(json(TRUTH), "b", json("""
        {"set": "b", "complete": true, "count": 1, "vms": [
          {"id": "desktop-09999", "pool": "desktop", "state": "available", "capacity": 1, "sessions": [],
           "concentrator": "b1", "maintenance": false}]}
        """))).containsExactly(
        "set b, desktop-00001: not listed",
        "set b, shared-00001: not listed",
        "set b, desktop-09999: listed, but the sim has no such VM");
  }
}
