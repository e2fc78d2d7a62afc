package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.JsonHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real agents' scripts run as their exec hosts run them, and the VMs' record they leave. */
class RealAgentsTest {

  @TempDir Path dir;

  /** Runs {@code command} as the exec host does, with the session's environment; returns its stdout. */
  private static String run(List<String> command, String sessionId, String user) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
    if (sessionId != null) {
      builder.environment().putAll(Map.of("SHARDBROKER_SESSION_ID", sessionId, "SHARDBROKER_USER", user,
          "SHARDBROKER_POOL", ChaosCluster.DESKTOP_POOL, "SHARDBROKER_VM_ID", "real-desktop-1"));
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code of %s", command).isZero();
    return out;
  }

  @Test
  void eachVmHasItsOwnSessionsAndTheExampleScriptsListWhatRuns() throws Exception {
    RealAgents agents = new RealAgents(dir, 2);
    List<ClusterSpec.RealAgent> specs = agents.write();
    ClusterSpec.RealAgent first = specs.get(0);

    assertThat(specs).extracting(ClusterSpec.RealAgent::vmId).containsExactly("real-desktop-1", "real-desktop-2");
    assertThat(specs).allMatch(a -> a.pool().equals("desktop") && a.capacity() == 1 && !a.listCommand().isEmpty());
    JsonNode connection = JsonHttp.JSON.readTree(run(first.startCommand(), "s1", "u00001"));
    assertThat(connection.path("port").asInt()).isEqualTo(3389);
    JsonNode listed = JsonHttp.JSON.readTree(run(first.listCommand(), null, null));
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).path("user").asText()).isEqualTo("u00001");
    assertThat(JsonHttp.JSON.readTree(run(specs.get(1).listCommand(), null, null))).isEmpty();

    run(first.endCommand(), "s1", "u00001");
    assertThat(JsonHttp.JSON.readTree(run(first.listCommand(), null, null))).isEmpty();
    assertThat(agents.read()).containsExactly(new RealAgents.Vm("real-desktop-1", List.of(), 1, 1),
        new RealAgents.Vm("real-desktop-2", List.of(), 0, 0));
  }

  @Test
  void aSecondSessionStartedBeforeTheFirstEndedShowsInTheVmsRecord() throws Exception {
    RealAgents agents = new RealAgents(dir, 1);
    ClusterSpec.RealAgent agent = agents.write().get(0);

    run(agent.startCommand(), "s1", "u00001");
    run(agent.endCommand(), "s1", "u00001");
    run(agent.startCommand(), "s2", "u00002");
    run(agent.startCommand(), "s3", "u00002");

    RealAgents.Vm vm = agents.read().get(0);
    assertThat(vm.starts()).isEqualTo(3);
    assertThat(vm.mostAtOnce()).isEqualTo(2);
    assertThat(agents.sessionsOn("real-desktop-1")).isEqualTo(2);
    JsonNode truth = vm.truth(Map.of("a", "a2", "b", "b1"));
    assertThat(truth.path("realAgent").asBoolean()).isTrue();
    assertThat(truth.path("attachments").path("a").asText()).isEqualTo("a2");
    assertThat(truth.path("sessions")).extracting(s -> s.path("user").asText()).containsExactly("u00002", "u00002");
    assertThat(Verdict.doublesShown(JsonHttp.JSON.createObjectNode().set("vms",
        JsonHttp.JSON.createArrayNode().add(truth)))).containsExactly(
        "real agent's VM real-desktop-1 ran 2 sessions at once (capacity 1)",
        "u00002 has sessions in pool desktop on real-desktop-1, real-desktop-1");
  }

  @Test
  void aVmWhoseRecordIsHalfWrittenIsReadAgainLater() throws Exception {
    RealAgents agents = new RealAgents(dir, 1);
    agents.write();
    Files.writeString(dir.resolve("real-desktop-1/sessions/s9.json"), "{\"sessionId\": \"s9\", \"us");

    assertThatThrownBy(agents::read).isInstanceOf(IOException.class);
  }
}
