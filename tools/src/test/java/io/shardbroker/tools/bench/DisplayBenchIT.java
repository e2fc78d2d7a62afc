package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.testing.InstalledTools;
import io.shardbroker.tools.ToolsRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code bench display --quick} end to end, on each display: a concentrator and a broker as
 * processes from the product jar, an agent with its display relay in this JVM, a real Xvnc desktop
 * or the synthetic display, and the three viewers. It holds the run to figures that make sense (something moved on every row, the
 * path slower than nothing and not faster than twice the direct connection, a heap figure of a
 * sane size), never to a speed: this machine's speed is not the test's business.
 */
@Timeout(300)
class DisplayBenchIT {

  @TempDir Path results;

  @ParameterizedTest
  @EnumSource(DisplayCommand.Source.class)
  void theQuickRunMeasuresEveryViewerAndTheBrokersHeapPerDisplay(DisplayCommand.Source display) throws Exception {
    if (display == DisplayCommand.Source.xvnc) {
      InstalledTools.requireXvnc();
    }
    ToolsRun run = ToolsRun.of("bench", "display", "--quick", "--display", display.name(), "--results",
        results.toString(), "--work-dir", "target/it/bench-display");

    assertThat(run.exitCode()).as("exit code; the run said:\n%s\n%s", run.out(), run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(lines.size() - 1)).matches("display: path [0-9.]+ MiB/s, direct [0-9.]+ MiB/s, ratio "
        + "[0-9.]+; added latency p50 -?[0-9.]+ ms, p99 -?[0-9.]+ ms; broker heap [0-9.-]+ KiB per display");

    JsonNode file = onlyResultsFile();
    assertThat(file.at("/options/display").asText()).isEqualTo(display.name());
    JsonNode measured = file.get("display");
    JsonNode connections = measured.get("connections");
    assertThat(connections).extracting(c -> c.get("name").asText()).containsExactly("direct", "relay", "path");
    for (JsonNode c : connections) {
      assertThat(c.get("frames").asLong()).as("%s frames", c.get("name")).isPositive();
      assertThat(c.get("mibPerSecond").asDouble()).as("%s MiB/s", c.get("name")).isPositive();
      assertThat(c.get("probes").asLong()).as("%s probes", c.get("name")).isPositive();
      assertThat(c.at("/roundTripMs/p50").asDouble()).as("%s round trip", c.get("name")).isPositive();
      if (display == DisplayCommand.Source.xvnc) {
        assertThat(c.get("desktopCpuSecondsPerGib").asDouble()).as("%s: Xvnc drew", c.get("name")).isPositive();
      }
    }
    assertThat(measured.get("ratio").asDouble()).isBetween(0.0, 2.0).isPositive();
    assertThat(measured.get("relayRatio").asDouble()).isBetween(0.0, 2.0).isPositive();
    JsonNode heap = measured.get("heap");
    assertThat(heap.get("displays").asInt()).isEqualTo(20);
    // the JDK that runs the build has jcmd, so the heap is measured: some KiB a display, not MiB
    assertThat(heap.get("kibPerDisplay").asDouble()).isBetween(1.0, 1024.0);
  }

  private JsonNode onlyResultsFile() throws Exception {
    try (Stream<Path> files = Files.list(results)) {
      List<Path> written = files.filter(f -> f.getFileName().toString().startsWith("display-quick-")).toList();
      assertThat(written).hasSize(1);
      return JsonHttp.JSON.readTree(written.get(0).toFile());
    }
  }
}
