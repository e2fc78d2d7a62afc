package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.tools.ToolsRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code shardbroker bench choice} as a user meets it before it starts anything: its help, its
 * defaults, its mistakes, and the last line it ends with.
 */
class ChoiceCommandLineTest {

  private static ToolsRun run(String... args) {
    return ToolsRun.of(args);
  }

  private static ChoiceCommand parsed(String... args) {
    ChoiceCommand command = new ChoiceCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void helpSaysWhatItComparesWhatItCostsAndWhatTheLastLineMeans() {
    ToolsRun run = run("bench", "choice", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: shardbroker bench choice", "broadcast", "sampled", "--concentrators",
        "--modes", "--asked", "--rate", "messages per brokering", "p99.9",
        "choice: at <N> concentrators, broadcast <m> messages, p99 <ms> ms; sampled", "(d=<d>) <m> messages",
        "may be given a second");
    assertThat(run("bench", "--help").out()).contains("choice", "storm", "load");
  }

  @Test
  void defaultsAreTheIssuesComparison() {
    ChoiceCommand choice = parsed();

    assertThat(choice.concentrators).containsExactly(1, 2, 4, 8);
    assertThat(choice.modes).containsExactly("broadcast", "sampled");
    assertThat(choice.asked).isEqualTo(2);
    assertThat(choice.vms).isEqualTo(20_000);
    assertThat(choice.warmup).isEqualTo(5_000);
    assertThat(choice.rate).isEqualTo(500);
    assertThat(choice.step).isEqualTo("10s");
    assertThat(choice.closedRequests).isEqualTo(5_000);
    assertThat(choice.concurrency).isEqualTo(32);
    assertThat(choice.results).isEqualTo(Path.of("bench/results"));
  }

  @Test
  void listsAreCommaSeparated() {
    ChoiceCommand choice = parsed("--concentrators", "1,2", "--modes", "sampled", "--asked", "3");

    assertThat(choice.concentrators).containsExactly(1, 2);
    assertThat(choice.modes).containsExactly("sampled");
    assertThat(choice.asked).isEqualTo(3);
  }

  @Test
  void moreDesktopsThanTheFleetHasAreRefusedBeforeAnythingStarts(@TempDir Path dir) {
    Path workDir = dir.resolve("run");
    ToolsRun run = run("bench", "choice", "--vms", "100", "--warmup", "50", "--rate", "100", "--step", "1s",
        "--closed-requests", "0", "--work-dir", workDir.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("asked for 150 desktops", "--vms 100", "shardbroker bench choice --help");
    assertThat(workDir).doesNotExist();
  }

  @Test
  void anUnknownModeIsNamedWithTheChoices(@TempDir Path dir) {
    ToolsRun run = run("bench", "choice", "--modes", "broadcast,random", "--work-dir", dir.resolve("run").toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("broadcast or sampled, got 'random'");
  }

  @Test
  void badSizesAndSamplesAreNamed(@TempDir Path dir) {
    String workDir = dir.resolve("run").toString();

    assertThat(run("bench", "choice", "--concentrators", "2,0", "--work-dir", workDir).err())
        .contains("--concentrators must each be 1..16", "[2, 0]");
    assertThat(run("bench", "choice", "--asked", "0", "--work-dir", workDir).err()).contains("1..64, got 0");
    assertThat(run("bench", "choice", "--rate", "0", "--work-dir", workDir).err()).contains("--rate more than 0");
  }

  @Test
  void aWorkDirectoryWithOtherFilesIsNeverEmptied(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("precious.txt"), "keep me");
    ToolsRun run = run("bench", "choice", "--vms", "2000", "--warmup", "200", "--step", "1s",
        "--closed-requests", "300", "--work-dir", dir.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is not empty and not from an earlier bench run");
    assertThat(dir.resolve("precious.txt")).hasContent("keep me");
  }

  @Test
  void theLastLineComparesTheSearchesAtTheLargestSet() {
    List<ChoiceCommand.SystemResult> measured = List.of(
        system(4, "broadcast", 30, 9), system(4, "sampled(d=2)", 14, 7),
        system(8, "broadcast", 46.04, 12.5), system(8, "sampled(d=2)", 14.2, 8));

    assertThat(ChoiceCommand.lastLine(measured)).isEqualTo(
        "choice: at 8 concentrators, broadcast 46.0 messages, p99 12.50 ms; sampled(d=2) 14.2 messages, p99 8.00 ms");
    assertThat(ChoiceCommand.lastLine(List.of(system(1, "broadcast", 12, 3))))
        .isEqualTo("choice: at 1 concentrator, broadcast 12.0 messages, p99 3.00 ms");
    assertThat(ChoiceCommand.lastLine(List.of())).isEqualTo("choice: nothing measured");
  }

  private static ChoiceCommand.SystemResult system(int concentrators, String search, double messages, double p99) {
    LoadResult open = new LoadResult("open", 500, 5000, 5000, 0, Map.of(), 10, 500,
        new LoadResult.Latency(p99 / 4, p99 / 2, p99, p99 * 2, p99 * 3, p99 / 4), "");
    LoadResult closed = new LoadResult("closed", 32, 5000, 5000, 0, Map.of(), 5, 1000,
        new LoadResult.Latency(20, 30, 40, 50, 60, 20), "");
    return new ChoiceCommand.SystemResult(concentrators, search, new StormCommand.SystemResult(
        "c" + concentrators, "", 3, "agents", SystemUnderTest.Heap.UNMEASURED, List.of(
            new LoadCommand.Phase("open 500/s", open, 1, 1, messages, 900, messages / 2),
            new LoadCommand.Phase("closed x32", closed, 1, 1, messages, 900, messages / 2))));
  }
}
