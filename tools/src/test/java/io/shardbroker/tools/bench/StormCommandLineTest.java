package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.tools.ToolsRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shardbroker bench storm} as a user meets it before it starts anything: help and mistakes. */
class StormCommandLineTest {

  private static ToolsRun run(String... args) {
    return ToolsRun.of(args);
  }

  @Test
  void helpSaysWhatItMeasuresAndWhatTheLastLineMeans() {
    ToolsRun run = run("bench", "storm", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: shardbroker bench storm", "warm-up", "central-db",
        "FOR UPDATE SKIP", "--quick", "--target", "storm: <n> sessions, <failed> failed, <rate>/s",
        "ratio <sharded/central>", "(2000/s,");
    assertThat(run("bench", "--help").out()).contains("storm", "load");
    assertThat(run("bench", "--help").out()).as("roles the storm starts are hidden")
        .doesNotContain("central-db-broker");
  }

  @Test
  void aStormLargerThanTheFleetIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
    Path workDir = dir.resolve("run");
    ToolsRun run = run("bench", "storm", "--vms", "100", "--warmup", "50", "--rates", "100", "--step", "1s",
        "--closed-requests", "0", "--work-dir", workDir.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("asks for 150 desktops", "--vms 100", "shardbroker bench storm --help");
    assertThat(workDir).doesNotExist();
  }

  @Test
  void theFullRunsDefaultsFitTheirFleet(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    ToolsRun run = run("bench", "storm", "--work-dir", dir.toString());

    // Refused for the work directory, which is checked after the storm's size.
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is not empty").doesNotContain("desktops");
  }

  @Test
  void aHeartbeatRateBelowOneIsRefused(@TempDir Path dir) {
    ToolsRun run = run("bench", "storm", "--quick", "--heartbeat-rate", "0", "--work-dir",
        dir.resolve("run").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--heartbeat-rate must be 1 or more, got 0");
    assertThat(run("bench", "storm", "--help").out()).contains("--heartbeat-rate=N", "--max-heartbeat-rate");
  }

  @Test
  void anUnknownSystemIsNamedWithTheChoices(@TempDir Path dir) {
    ToolsRun run = run("bench", "storm", "--systems", "sharded,horizon", "--work-dir", dir.resolve("run").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no system named 'horizon'", "central-db");
  }

  @Test
  void aWorkDirectoryWithOtherFilesIsNeverEmptied(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    ToolsRun run = run("bench", "storm", "--quick", "--work-dir", dir.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is not empty and not from an earlier bench run");
    assertThat(dir.resolve("precious.txt")).hasContent("keep me");
  }
}
