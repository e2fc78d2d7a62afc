package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker config file's {@code metrics.tokenFile}: left out, {@code /metrics} stays open. */
class BrokerMetricsConfigTest {

  private static BrokerConfig read(Path dir, String yaml) throws Exception {
    return ConfigFiles.read(Files.writeString(dir.resolve("broker.yaml"), yaml), BrokerConfig.class);
  }

  @Test
  void withoutTheKeyMetricsAreOpen(@TempDir Path dir) throws Exception {
    assertThat(BrokerCommand.metricsToken(read(dir, "id: b1\n").metrics())).isNull();
    assertThat(BrokerCommand.metricsToken(read(dir, "metrics: {}\n").metrics())).isNull();
    BrokerConfig example = ConfigFiles.read(Path.of("..", "config", "broker.yaml"), BrokerConfig.class);
    assertThat(BrokerCommand.metricsToken(example.metrics())).isNull();
  }

  @Test
  void theTokenIsReadFromItsFileWithoutTheLineEnd(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("metrics.token"), "0123456789abcdef0123\n");
    BrokerConfig config = read(dir, "metrics:\n  tokenFile: " + file + "\n");
    assertThat(BrokerCommand.metricsToken(config.metrics())).isNotNull();
  }

  @Test
  void aMissingFileOrAShortTokenIsNamedAtStart(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nope.token");
    assertThatThrownBy(() -> BrokerCommand.metricsToken(read(dir, "metrics: {tokenFile: " + missing + "}\n").metrics()))
        .hasMessageContaining("metrics.tokenFile").hasMessageContaining(missing.toString());
    Path shortToken = Files.writeString(dir.resolve("short.token"), "abc\n");
    assertThatThrownBy(() -> BrokerCommand.metricsToken(read(dir, "metrics: {tokenFile: " + shortToken + "}\n")
        .metrics())).hasMessageContaining("metrics.tokenFile").hasMessageContaining("at least 16");
  }
}
