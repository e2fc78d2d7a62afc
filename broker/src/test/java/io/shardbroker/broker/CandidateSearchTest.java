package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import org.junit.jupiter.api.Test;

/** The candidate search setting: its default, its names and its bounds. */
class CandidateSearchTest {

  @Test
  void broadcastIsTheDefault() {
    assertThat(CandidateSearch.DEFAULT.sampled()).isFalse();
    Topology topology = Topology.newBuilder().setVersion(1).addSets(ConcentratorSet.newBuilder().setId("a")
        .addConcentrators(ConcentratorEndpoint.newBuilder().setId("a1").setAddress("127.0.0.1:1"))).build();
    assertThat(BrokerSettings.of("b", "127.0.0.1", 0, topology).candidateSearch())
        .isEqualTo(CandidateSearch.DEFAULT);
    assertThat(CandidateSearch.DEFAULT).hasToString("broadcast");
    assertThat(CandidateSearch.sampled(2)).hasToString("sampled(d=2)");
  }

  @Test
  void modesAreParsedInAnyCaseAndABadOneIsNamed() {
    assertThat(CandidateSearch.Mode.parse("Sampled")).isEqualTo(CandidateSearch.Mode.SAMPLED);
    assertThat(CandidateSearch.Mode.parse("broadcast")).isEqualTo(CandidateSearch.Mode.BROADCAST);
    assertThatThrownBy(() -> CandidateSearch.Mode.parse("random"))
        .hasMessageContaining("broadcast or sampled, got 'random'");
  }

  @Test
  void aSampleOfNoConcentratorOrOfTooManyIsRefusedWithTheValue() {
    assertThatThrownBy(() -> CandidateSearch.sampled(0)).hasMessageContaining("1..64, got 0");
    assertThatThrownBy(() -> CandidateSearch.sampled(65)).hasMessageContaining("got 65");
  }
}
