package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.SETUP;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.Entitlement.Principal;
import io.shardbroker.store.Pool;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Who may use which pool: entitlements through groups and directly, disabled pools and users, and
 * admin rights, each applying to the very next request. Besides the seed's pools: {@code lab}
 * (alice directly), {@code cad} (dedicated, multi-session, group {@code designers} = alice) and
 * {@code secret} (nobody).
 */
@Timeout(60)
class EntitlementsTest {

  private TestBroker broker;
  private Api api;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    api = broker.api;
    var store = broker.store;
    store.pools().create(new Pool("lab", "Lab machines", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE,
        "rdp", true), SETUP);
    store.pools().create(new Pool("cad", "CAD workstations", Pool.Kind.DEDICATED, Pool.SessionMode.MULTI,
        "pcoip", true), SETUP);
    store.pools().create(new Pool("secret", "Secret", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE,
        "rdp", true), SETUP);
    store.accounts().createGroup("designers", "", SETUP);
    store.accounts().addMember("designers", "alice", SETUP);
    store.entitlements().create("lab", Principal.user("alice"), SETUP);
    store.entitlements().create("cad", Principal.group("designers"), SETUP);
    for (String pool : List.of("desktop", "shared", "lab", "cad", "secret")) {
      broker.a1.addVm(pool + "-1", pool, 2);
      broker.a2.addVm(pool + "-2", pool, 2);
    }
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aUserWhoIsNotEntitledGets403AndNoConcentratorIsAsked() {
    List<Answer> refused = new ArrayList<>();
    refused.add(api.openSession(ADMIN, "desktop"));  // in admins only, not in staff
    refused.add(api.openSession("bob", "lab"));      // lab is alice's, not staff's
    refused.add(api.openSession("alice", "secret"));  // nobody's
    refused.add(api.openSession("alice", "no-such-pool"));

    // Unknown, disabled and forbidden pools are not told apart: same status, same code.
    for (Answer answer : refused) {
      assertError(answer, 403, "not_entitled");
    }
    assertThat(broker.a1.findCalls.get() + broker.a2.findCalls.get()).isZero();
    assertThat(broker.a1.starts).isEmpty();
    assertThat(broker.a2.starts).isEmpty();
  }

  @Test
  void entitlementsWorkThroughAGroupAndDirectlyAndApplyAtOnce() {
    assertThat(api.openSession("alice", "desktop").status()).isEqualTo(201);  // group staff
    assertThat(api.openSession("alice", "lab").status()).isEqualTo(201);      // alice herself
    assertThat(api.openSession("alice", "cad").status()).isEqualTo(201);      // group designers
    assertError(api.openSession("bob", "lab"), 403, "not_entitled");

    Answer granted = api.post(ADMIN, "/api/v1/admin/entitlements", json("pool", "lab", "user", "bob"));
    assertThat(granted.status()).isEqualTo(201);
    assertThat(api.openSession("bob", "lab").status()).isEqualTo(201);

    assertThat(api.delete(ADMIN, "/api/v1/admin/entitlements/" + granted.text("/id")).status())
        .isEqualTo(204);
    assertError(api.openSession("bob", "lab"), 403, "not_entitled");

    assertThat(api.put(ADMIN, "/api/v1/admin/groups/designers/members/bob", null).status()).isEqualTo(204);
    assertThat(api.openSession("bob", "cad").status()).isEqualTo(201);
    assertThat(api.delete(ADMIN, "/api/v1/admin/groups/designers/members/alice").status()).isEqualTo(204);
    assertError(api.openSession("alice", "cad"), 403, "not_entitled");
  }

  @Test
  void poolsListsExactlyTheEntitledEnabledPools() {
    JsonNode alice = api.get("alice", "/api/v1/pools").json().get("pools");
    assertThat(alice).extracting(p -> p.get("name").asText())
        .containsExactly("cad", "desktop", "lab", "shared");
    JsonNode cad = alice.get(0);
    assertThat(cad.get("displayName").asText()).isEqualTo("CAD workstations");
    assertThat(cad.get("kind").asText()).isEqualTo("dedicated");
    assertThat(cad.get("sessionMode").asText()).isEqualTo("multi");
    assertThat(cad.get("protocol").asText()).isEqualTo("pcoip");
    JsonNode desktop = alice.get(1);
    assertThat(desktop.get("displayName").asText()).isEqualTo("Desktops");
    assertThat(desktop.get("kind").asText()).isEqualTo("floating");
    assertThat(desktop.get("sessionMode").asText()).isEqualTo("single");
    assertThat(desktop.get("protocol").asText()).isEqualTo("rdp");

    assertThat(api.get("bob", "/api/v1/pools").json().get("pools"))
        .extracting(p -> p.get("name").asText()).containsExactly("desktop", "shared");
    assertThat(api.get(ADMIN, "/api/v1/pools").json().get("pools")).isEmpty();
  }

  @Test
  void aDisabledPoolIsRefusedAndNotListedUntilEnabledAgain() {
    Answer disabled = api.patch(ADMIN, "/api/v1/admin/pools/desktop", json("enabled", false));
    assertThat(disabled.status()).isEqualTo(200);
    assertThat(disabled.json().get("enabled").asBoolean()).isFalse();

    assertError(api.openSession("alice", "desktop"), 403, "not_entitled");
    assertThat(api.get("alice", "/api/v1/pools").json().get("pools"))
        .extracting(p -> p.get("name").asText()).doesNotContain("desktop").contains("shared");
    assertThat(broker.a1.starts).isEmpty();
    assertThat(broker.a2.starts).isEmpty();

    assertThat(api.patch(ADMIN, "/api/v1/admin/pools/desktop", json("enabled", true)).status()).isEqualTo(200);
    assertThat(api.openSession("alice", "desktop").status()).isEqualTo(201);
  }

  @Test
  void aDisabledUserIsRefusedAtTheNextRequestThoughTheirSignInWasCached() {
    assertThat(api.get("alice", "/api/v1/me").status()).isEqualTo(200);  // now remembered

    assertThat(api.patch(ADMIN, "/api/v1/admin/users/alice", json("enabled", false)).status()).isEqualTo(200);

    assertError(api.get("alice", "/api/v1/me"), 401, "unauthorized");
    assertError(api.openSession("alice", "desktop"), 401, "unauthorized");
    assertThat(broker.a1.starts).isEmpty();

    assertThat(api.patch(ADMIN, "/api/v1/admin/users/alice", json("enabled", true)).status()).isEqualTo(200);
    assertThat(api.get("alice", "/api/v1/me").status()).isEqualTo(200);
  }

  @Test
  void aUserRemovedFromAdminsLosesTheAdminApiAtOnce() {
    assertThat(api.post(ADMIN, "/api/v1/admin/users",
        json("name", "ops", "password", TestBroker.PASSWORD, "groups", List.of("admins"))).status())
        .isEqualTo(201);
    assertThat(api.get("ops", "/api/v1/admin/pools").status()).isEqualTo(200);
    assertThat(api.get("ops", "/api/v1/me").json().get("admin").asBoolean()).isTrue();

    assertThat(api.delete(ADMIN, "/api/v1/admin/groups/admins/members/ops").status()).isEqualTo(204);

    assertError(api.get("ops", "/api/v1/admin/pools"), 403, "forbidden");
    assertError(api.post("ops", "/api/v1/admin/pools", json("name", "mine")), 403, "forbidden");
    assertThat(api.get("ops", "/api/v1/me").json().get("admin").asBoolean()).isFalse();
    assertThat(broker.store.pools().find("mine")).isEmpty();

    assertThat(api.put(ADMIN, "/api/v1/admin/groups/admins/members/ops", null).status()).isEqualTo(204);
    assertThat(api.get("ops", "/api/v1/admin/pools").status()).isEqualTo(200);
  }

  @Test
  void meSaysWhoYouAre() {
    JsonNode alice = api.get("alice", "/api/v1/me").json();
    assertThat(alice.get("name").asText()).isEqualTo("alice");
    assertThat(alice.get("displayName").asText()).isEqualTo("alice");
    assertThat(alice.get("groups")).extracting(JsonNode::asText).containsExactly("designers", "staff");
    assertThat(alice.get("admin").asBoolean()).isFalse();

    JsonNode root = api.get(ADMIN, "/api/v1/me").json();
    assertThat(root.get("name").asText()).isEqualTo(ADMIN);
    assertThat(root.get("displayName").asText()).isEqualTo("Administrator");
    assertThat(root.get("groups")).extracting(JsonNode::asText).containsExactly("admins");
    assertThat(root.get("admin").asBoolean()).isTrue();

    assertError(api.send(null, null, "GET", "/api/v1/me", null, null), 401, "unauthorized");
  }
}
