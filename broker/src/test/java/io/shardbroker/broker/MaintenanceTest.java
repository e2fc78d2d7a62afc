package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.SETUP;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Draining VMs: a VM in maintenance gets no new sessions while its running ones stay reachable,
 * and is chosen again once undrained. In the multi-session pool {@code shared}, {@code host-1}
 * (carol's session, 1 of 4) is less loaded than {@code host-2} (2 of 4), so without maintenance
 * every new session would go to {@code host-1}.
 */
@Timeout(60)
class MaintenanceTest {

  private TestBroker broker;
  private Api api;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    api = broker.api;
    broker.addSharedHosts();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aDrainedVmGetsNoNewSessionsButKeepsItsOwnUntilUndrained() {
    Answer drained = api.put(ADMIN, "/api/v1/admin/vms/host-1/maintenance", json("reason", "disk replacement"));
    assertThat(drained.status()).isEqualTo(200);
    assertThat(drained.text("/vmId")).isEqualTo("host-1");
    assertThat(drained.text("/reason")).isEqualTo("disk replacement");
    assertThat(drained.text("/by")).isEqualTo(ADMIN);

    Answer alice = api.openSession("alice", "shared");
    assertThat(alice.status()).isEqualTo(201);
    assertThat(alice.text("/vmId")).isEqualTo("host-2");
    // carol's running session stays and she gets it back.
    Answer carol = api.openSession("carol", "shared");
    assertThat(carol.status()).isEqualTo(200);
    assertThat(carol.text("/vmId")).isEqualTo("host-1");
    assertThat(carol.text("/sessionId")).isEqualTo("carol-1");
    // host-2 fills up (4 of 4); host-1 has room but is drained.
    assertThat(api.openSession("bob", "shared").text("/vmId")).isEqualTo("host-2");
    assertError(api.openSession("dave", "shared"), 503, "pool_exhausted");
    // host-1 was asked only for carol's own session back (a reconnect gets a fresh ticket there)
    assertThat(broker.a1.starts).filteredOn(start -> start.vmId().equals("host-1"))
        .extracting(FakeConcentrator.StartCall::user).containsOnly("carol");

    assertThat(api.delete(ADMIN, "/api/v1/admin/vms/host-1/maintenance").status()).isEqualTo(204);

    Answer dave = api.openSession("dave", "shared");
    assertThat(dave.status()).isEqualTo(201);
    assertThat(dave.text("/vmId")).isEqualTo("host-1");
  }

  @Test
  void vmListingsAndTheMaintenanceListShowDrainedVms() {
    broker.clock.advance(Duration.ofMinutes(5));
    api.put(ADMIN, "/api/v1/admin/vms/host-1/maintenance", json("reason", "BIOS update"));
    String since = broker.clock.instant().toString();
    broker.clock.advance(Duration.ofMinutes(5));
    // Draining again keeps the first record.
    Answer again = api.put(ADMIN, "/api/v1/admin/vms/host-1/maintenance", json("reason", "other"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.text("/reason")).isEqualTo("BIOS update");

    assertThat(maintenanceFlags()).containsExactly("host-1=true", "host-2=false");
    JsonNode list = api.get(ADMIN, "/api/v1/admin/maintenance").json().get("vms");
    assertThat(list).hasSize(1);
    assertThat(list.get(0).get("vmId").asText()).isEqualTo("host-1");
    assertThat(list.get(0).get("reason").asText()).isEqualTo("BIOS update");
    assertThat(list.get(0).get("by").asText()).isEqualTo(ADMIN);
    assertThat(list.get(0).get("since").asText()).isEqualTo(since);

    assertThat(api.delete(ADMIN, "/api/v1/admin/vms/host-1/maintenance").status()).isEqualTo(204);

    assertThat(maintenanceFlags()).containsExactly("host-1=false", "host-2=false");
    assertThat(api.get(ADMIN, "/api/v1/admin/maintenance").json().get("vms")).isEmpty();
    assertError(api.delete(ADMIN, "/api/v1/admin/vms/host-1/maintenance"), 404, "not_found");
  }

  @Test
  void aDrainBodyIsOptional() {
    assertThat(api.put(ADMIN, "/api/v1/admin/vms/host-2/maintenance", null).status()).isEqualTo(200);
    assertThat(api.get(ADMIN, "/api/v1/admin/maintenance").json().at("/vms/0/vmId").asText())
        .isEqualTo("host-2");
  }

  @Test
  void aDrainThroughAnotherBrokerAppliesHereWithinTheRefreshInterval() {
    assertThat(api.openSession("alice", "shared").text("/vmId")).isEqualTo("host-1");  // reads the set

    broker.store.maintenance().drain("host-1", "drained through another broker", SETUP);
    broker.clock.advance(DrainedVms.REFRESH);

    assertThat(api.openSession("bob", "shared").text("/vmId")).isEqualTo("host-2");
    assertThat(maintenanceFlags()).contains("host-1=true");

    broker.store.maintenance().undrain("host-1", SETUP);
    broker.clock.advance(DrainedVms.REFRESH);
    assertThat(api.openSession("dave", "shared").text("/vmId")).isEqualTo("host-1");
  }

  /** "vm=maintenance" for every VM of {@code GET /api/v1/vms}, by VM id. */
  private List<String> maintenanceFlags() {
    Answer vms = api.get(TestBroker.ADMIN, "/api/v1/vms");
    assertThat(vms.status()).isEqualTo(200);
    List<String> flags = new ArrayList<>();
    for (JsonNode vm : vms.json().get("vms")) {
      flags.add(vm.get("id").asText() + "=" + vm.get("maintenance").asBoolean());
    }
    return flags;
  }
}
