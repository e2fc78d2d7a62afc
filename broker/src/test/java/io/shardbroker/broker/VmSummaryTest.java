package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.JSON;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.AuditEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /api/v1/vms/summary} and the free sessions of {@code GET /api/v1/pools}: the VMs of
 * set a = {a1, a2} counted per pool by their concentrators, summed by the broker, with the VMs in
 * maintenance counted but their room not free. In {@code shared} ({@link TestBroker#addSharedHosts})
 * {@code host-1} is drained in every test; in {@code desktop} vm-1 is free, vm-2 taken, vm-3 gone.
 */
@Timeout(60)
class VmSummaryTest {

  private TestBroker broker;
  private Api api;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    api = broker.api;
    broker.addSharedHosts();
    broker.a1.addVm("vm-1", "desktop", 1);
    broker.a2.addVm("vm-2", "desktop", 1);
    broker.a2.addSession("vm-2", "x-3", "another");
    broker.a2.addVm("vm-3", "desktop", 1).reachable = false;
    assertThat(api.put(ADMIN, "/api/v1/admin/vms/host-1/maintenance", json("reason", "disk")).status())
        .isEqualTo(200);
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void theSummaryCountsEachPoolsVmsByStateAndLeavesDrainedRoomOutOfTheFreeSessions() throws Exception {
    Answer summary = api.get(TestBroker.ADMIN, "/api/v1/vms/summary");

    assertThat(summary.status()).as("%s", summary).isEqualTo(200);
    assertThat(summary.json()).isEqualTo(JSON.readTree("""
        {"set": "a", "complete": true, "pools": [
          {"pool": "desktop", "available": 1, "inUse": 1, "pending": 0, "draining": 0, "unreachable": 1,
           "inMaintenance": 0, "freeSessions": 1},
          {"pool": "shared", "available": 0, "inUse": 2, "pending": 0, "draining": 0, "unreachable": 0,
           "inMaintenance": 1, "freeSessions": 2}]}
        """));
    assertThat(api.get(TestBroker.ADMIN, "/api/v1/vms/summary?set=a").json()).isEqualTo(summary.json());
  }

  @Test
  void theSummaryOfASetWithAConcentratorDownIsNotComplete() {
    broker.a1.unavailable = true;

    for (int i = 0; i < 2; i++) {  // the first summary finds a1 down; the second leaves it out
      JsonNode summary = api.get(TestBroker.ADMIN, "/api/v1/vms/summary").json();
      assertThat(summary.get("complete").asBoolean()).as("summary %d", i + 1).isFalse();
      assertThat(summary.at("/pools/1/pool").asText()).isEqualTo("shared");
      assertThat(summary.at("/pools/1/inUse").asInt()).as("host-2 only").isEqualTo(1);
      assertThat(summary.at("/pools/1/inMaintenance").asInt()).isZero();
      assertThat(summary.at("/pools/1/freeSessions").asInt()).isEqualTo(2);
    }
  }

  @Test
  void theSummaryNeedsASignInAKnownSetAndSomeSetThatAnswers() {
    assertError(api.send(null, null, "GET", "/api/v1/vms/summary", null, null), 401, "unauthorized");
    assertError(api.get(TestBroker.ADMIN, "/api/v1/vms/summary?set=zz"), 400, "bad_request");

    broker.a1.unavailable = true;
    broker.a2.unavailable = true;
    Answer unreachable = api.get(TestBroker.ADMIN, "/api/v1/vms/summary");
    assertError(unreachable, 503, "no_set_reachable");
    assertThat(unreachable.header("Retry-After")).isPresent();
  }

  @Test
  void aUserWhoIsNoAdminSeesNeitherTheFleetNorWhoWorksWhere() {
    for (String path : List.of("/api/v1/topology", "/api/v1/vms?withSessions=true", "/api/v1/vms/summary")) {
      assertError(api.get("alice", path), 403, "forbidden");
    }
    assertThat(broker.store.audit().query(new AuditEntry.Query("alice", "access.refuse", null, null, null, null))
        .items()).extracting(AuditEntry::target)
        .containsExactlyInAnyOrder("GET /api/v1/topology", "GET /api/v1/vms", "GET /api/v1/vms/summary");
    assertThat(api.get("alice", "/api/v1/pools").status()).as("her pools, still").isEqualTo(200);
    assertThat(api.get("alice", "/api/v1/sessions").status()).as("her sessions, still").isEqualTo(200);
  }

  /** A pool no VM reports has none free; {@code desktop} has vm-1, {@code shared} host-2's two slots. */
  @Test
  void theUsersPoolsSayHowManySessionsEachCanStillStart() {
    api.post(ADMIN, "/api/v1/admin/pools", json("name", "labs", "kind", "floating"));
    api.post(ADMIN, "/api/v1/admin/entitlements", json("pool", "labs", "user", "alice"));

    assertThat(freeSessions("alice")).containsExactly(
        Map.entry("desktop", "1"), Map.entry("labs", "0"), Map.entry("shared", "2"));

    assertThat(api.delete(ADMIN, "/api/v1/admin/vms/host-1/maintenance").status()).isEqualTo(204);
    assertThat(freeSessions("alice")).containsEntry("shared", "5");
  }

  /** The pool listing does not depend on the concentrators: without them it lacks only the counts. */
  @Test
  void theUsersPoolsAreListedWithoutFreeSessionsWhenNoSetAnswers() {
    broker.a1.unavailable = true;
    broker.a2.unavailable = true;

    for (int i = 0; i < 2; i++) {  // the first finds the set down; the second does not wait for it
      assertThat(freeSessions("alice")).as("listing %d", i + 1)
          .containsExactly(Map.entry("desktop", "null"), Map.entry("shared", "null"));
    }
  }

  /** Pool name to its {@code freeSessions} as JSON text, in the listing's order. */
  private Map<String, String> freeSessions(String user) {
    Answer pools = api.get(user, "/api/v1/pools");
    assertThat(pools.status()).as("%s", pools).isEqualTo(200);
    Map<String, String> free = new LinkedHashMap<>();
    for (JsonNode pool : pools.json().get("pools")) {
      assertThat(pool.has("freeSessions")).as("%s", pool).isTrue();
      free.put(pool.get("name").asText(), pool.get("freeSessions").toString());
    }
    return free;
  }
}
