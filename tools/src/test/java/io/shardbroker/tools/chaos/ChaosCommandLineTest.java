package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.tools.ToolsRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shardbroker chaos} as a user meets it before it starts anything: help and mistakes. */
class ChaosCommandLineTest {

  private static ToolsRun run(String... args) {
    return ToolsRun.of(args);
  }

  @Test
  void helpSaysWhatItDoesAndWhatTheLastLineMeans() {
    ToolsRun run = run("chaos", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: shardbroker chaos", "kills -9", "1% of the", "--seed", "--real-agents",
        "--request-timeout", "chaos: <requests> requests, <ok> ok, <retryable> retryable, <double>",
        "converged in <seconds> s").doesNotContain("%n");
    assertThat(run.err()).isEmpty();
    assertThat(run("--help").out()).contains("chaos");
  }

  @Test
  void badOptionsAreRefusedBeforeAnythingStarts(@TempDir Path dir) {
    Path workDir = dir.resolve("run");
    ToolsRun tooShort = run("chaos", "--duration", "10s", "--work-dir", workDir.toString());

    assertThat(tooShort.exitCode()).isEqualTo(2);
    assertThat(tooShort.err()).contains("--duration must be at least 30s");
    assertThat(run("chaos", "--rate", "0", "--work-dir", workDir.toString()).err())
        .contains("--rate must be more than 0");
    assertThat(workDir).doesNotExist();
  }

  @Test
  void aWorkDirectoryWithOtherFilesIsNeverEmptied(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    ToolsRun run = run("chaos", "--work-dir", dir.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is not empty and not from an earlier chaos run");
    assertThat(dir.resolve("precious.txt")).hasContent("keep me");
  }
}
