package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.testing.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Editing the topology file reaches the role at the next look; a broken edit changes nothing. */
@Timeout(30)
class TopologyFileWatcherTest {

  private final FakeClock clock = new FakeClock();
  private final List<Topology> offered = new ArrayList<>();

  @AfterEach
  void stop() {
    clock.shutdownNow();
  }

  private static String topology(int version, String... concentrators) {
    StringBuilder yaml = new StringBuilder("version: " + version + "\nsets:\n  - id: a\n    concentrators:\n");
    int port = 7100;
    for (String id : concentrators) {
      yaml.append("      - {id: ").append(id).append(", address: \"127.0.0.1:").append(++port).append("\"}\n");
    }
    return yaml.toString();
  }

  @Test
  void aChangedFileIsOfferedOnceAndABrokenOneIsIgnored(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("topology.yaml"), topology(1, "a1"));
    try (TopologyFileWatcher watcher = new TopologyFileWatcher(file, clock, t -> offered.add(t))) {
      clock.advance(TopologyFileWatcher.INTERVAL);
      assertThat(offered).as("unchanged: nothing offered").isEmpty();

      Files.writeString(file, topology(2, "a1", "a2"));
      clock.advance(TopologyFileWatcher.INTERVAL);
      assertThat(offered).hasSize(1);
      assertThat(offered.get(0).getVersion()).isEqualTo(2);
      assertThat(offered.get(0).getSets(0).getConcentratorsCount()).isEqualTo(2);

      clock.advance(TopologyFileWatcher.INTERVAL);
      assertThat(offered).as("offered once per change").hasSize(1);

      Files.writeString(file, "version: 3\nsets: [this is not a set\n");
      clock.advance(TopologyFileWatcher.INTERVAL);
      assertThat(offered).hasSize(1);

      Files.writeString(file, topology(3, "a2"));
      clock.advance(TopologyFileWatcher.INTERVAL);
      assertThat(offered).extracting(Topology::getVersion).containsExactly(2L, 3L);
    }
  }
}
