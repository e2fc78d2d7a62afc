package io.shardbroker.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterFilesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void anExecAgentsConfigHasItsListScriptWhenItHasOne(@TempDir Path dir) throws Exception {
    ClusterSpec.RealAgent plain = new ClusterSpec.RealAgent("vm-1", "lab", 2, List.of("start.sh"), List.of("end.sh"));
    ClusterFiles.writeAgent(dir.resolve("plain.yaml"), plain, dir.resolve("data"));
    ClusterFiles.writeAgent(dir.resolve("listed.yaml"),
        plain.withList(List.of("env", "SESSIONS_DIR=/tmp/s", "list.sh")), dir.resolve("data"));

    JsonNode host = YAML.readTree(dir.resolve("listed.yaml").toFile()).path("host");
    assertThat(host.path("type").asText()).isEqualTo("exec");
    assertThat(host.path("start").get(0).asText()).isEqualTo("start.sh");
    assertThat(host.path("list")).extracting(JsonNode::asText).containsExactly("env", "SESSIONS_DIR=/tmp/s", "list.sh");
    assertThat(YAML.readTree(dir.resolve("plain.yaml").toFile()).path("host").has("list")).isFalse();
  }
}
