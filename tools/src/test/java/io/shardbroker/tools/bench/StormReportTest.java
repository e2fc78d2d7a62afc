package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the storm makes of its phases: the last line and the chart. */
class StormReportTest {

  private static LoadCommand.Phase phase(String mode, double offered, long sessions, long failed,
      double throughput, double p50, double p99) {
    LoadResult result = new LoadResult(mode, offered, sessions + failed, sessions, 0,
        failed == 0 ? Map.of() : Map.of("503 pool_exhausted", failed), 10, throughput,
        new LoadResult.Latency(p50, p50 * 2, p99, p99 * 2, p99 * 3, p50), "");
    return new LoadCommand.Phase(mode + " " + offered, result, 1, 1, 20, 1000, 8);
  }

  private static StormCommand.SystemResult system(String name, double closedRate, double p50At2000) {
    return new StormCommand.SystemResult(name, name, 5, "agents", new SystemUnderTest.Heap(900, 50_000_000), List.of(
        phase("open", 1000, 1000, 0, 1000, p50At2000 / 2, p50At2000),
        phase("open", 2000, 2000, 3, 1990, p50At2000, p50At2000 * 4),
        phase("open", 4000, 4000, 0, 3000, 900, 2000),
        phase("closed", 32, 5000, 0, closedRate, 5, 9)));
  }

  @Test
  void theLastLineSumsUpTheShardedSystemAgainstTheCentralDatabase() {
    List<StormCommand.SystemResult> measured = List.of(
        system("sharded", 6000, 2.5), system("central-db", 1500, 8));

    assertThat(StormCommand.lastLine(measured)).isEqualTo(
        "storm: 12000 sessions, 3 failed, 6000/s, p50 2.50 ms, p99 10.00 ms, central-db 1500/s, ratio 4.0");
  }

  @Test
  void withoutTheCentralDatabaseTheLastLineSaysSo() {
    assertThat(StormCommand.lastLine(List.of(system("sharded", 6000, 2.5))))
        .endsWith("central-db n/a, ratio n/a");
  }

  @Test
  void theChartHasALineAndALegendEntryPerSystem() {
    String svg = StormChart.svg(List.of(system("sharded", 6000, 2.5), system("central-db", 1500, 8)));

    assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
    assertThat(svg.split("<polyline", -1)).as("p50 and p99 of two systems").hasSize(5);
    assertThat(svg).contains(">sharded</text>", ">central-db</text>");
  }

  @Test
  void axesEndOnRoundNumbers() {
    assertThat(StormChart.niceCeiling(2129)).isEqualTo(2500);
    assertThat(StormChart.niceCeiling(6300)).isEqualTo(8000);
    assertThat(StormChart.niceCeiling(1000)).isEqualTo(1000);
  }
}
