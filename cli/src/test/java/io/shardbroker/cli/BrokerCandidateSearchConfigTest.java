package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker config file's {@code candidateSearch}: broadcast unless it says otherwise. */
class BrokerCandidateSearchConfigTest {

  private static CandidateSearch read(Path dir, String yaml) throws Exception {
    Path file = Files.writeString(dir.resolve("broker.yaml"), yaml);
    return BrokerCommand.candidateSearch(ConfigFiles.read(file, BrokerConfig.class).candidateSearch());
  }

  @Test
  void withoutTheKeyItIsABroadcast(@TempDir Path dir) throws Exception {
    assertThat(read(dir, "id: b1\n")).isEqualTo(CandidateSearch.DEFAULT);
    assertThat(read(dir, "candidateSearch: {asked: 3}\n")).isEqualTo(new CandidateSearch(
        CandidateSearch.Mode.BROADCAST, 3));
  }

  @Test
  void sampledTakesItsSampleSizeOrTwo(@TempDir Path dir) throws Exception {
    assertThat(read(dir, "candidateSearch: {mode: sampled}\n")).isEqualTo(CandidateSearch.sampled(2));
    assertThat(read(dir, "candidateSearch:\n  mode: SAMPLED\n  asked: 4\n")).isEqualTo(CandidateSearch.sampled(4));
  }

  @Test
  void aBadModeOrSampleIsNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> read(dir, "candidateSearch: {mode: gossip}\n"))
        .hasMessageContaining("broadcast or sampled, got 'gossip'");
    assertThatThrownBy(() -> read(dir, "candidateSearch: {mode: sampled, asked: 0}\n"))
        .hasMessageContaining("1..64, got 0");
  }
}
