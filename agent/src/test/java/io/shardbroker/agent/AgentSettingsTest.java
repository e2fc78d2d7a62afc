package io.shardbroker.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {

  private static final Topology TOPOLOGY = Topology.newBuilder().setVersion(1)
      .addSets(ConcentratorSet.newBuilder().setId("A").addConcentrators(
          ConcentratorEndpoint.newBuilder().setId("a1").setAddress("a1.example:7443")))
      .build();

  @Test
  void defaultsUseTheDocumentedReconnectDelays() {
    AgentSettings settings = new AgentSettings("vm-1", "desktops", 1, TOPOLOGY);

    assertThat(settings.reconnectInitial()).isEqualTo(AgentSettings.RECONNECT_INITIAL_DEFAULT);
    assertThat(settings.reconnectMax()).isEqualTo(AgentSettings.RECONNECT_MAX_DEFAULT);
  }

  @Test
  void rejectsBadNamesQuotingThem() {
    assertThatThrownBy(() -> new AgentSettings("-vm", "desktops", 1, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VM id").hasMessageContaining("'-vm'");
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desk tops", 1, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pool").hasMessageContaining("'desk tops'");
    assertThatThrownBy(() -> new AgentSettings(null, "desktops", 1, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got nothing");
    assertThatThrownBy(() -> new AgentSettings("v".repeat(129), "desktops", 1, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VM id");
  }

  @Test
  void rejectsCapacityOutOfRangeNamingItAndTheVm() {
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desktops", 0, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0").hasMessageContaining("vm-1");
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desktops", AgentSettings.MAX_CAPACITY + 1, TOPOLOGY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 10001");
  }

  @Test
  void rejectsATopologyWithoutSets() {
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desktops", 1, Topology.newBuilder().setVersion(3).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no concentrator set");
  }

  @Test
  void rejectsReconnectDelaysNamingThem() {
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desktops", 1, TOPOLOGY, Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new AgentSettings("vm-1", "desktops", 1, TOPOLOGY, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT2S").hasMessageContaining("PT1S");
  }
}
