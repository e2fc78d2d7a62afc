package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static io.shardbroker.broker.TestBroker.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.store.AuditEntry;
import io.shardbroker.testing.TestPostgres;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17, item 7: a sign-in token must not outlive what should end it. Each test signs a user in
 * at two brokers sharing one store (embedded H2, then PostgreSQL), has an admin make a change at the
 * first, and tries the old tokens at both: every one gets 401. The clock moves a second between
 * sign-in and change, as real time would.
 */
@Timeout(60)
class TokenRevocationTest {

  private TestBroker broker;
  private Api first;
  private Api second;

  private void start(String database) throws IOException {
    broker = database.equals("PostgreSQL") ? TestBroker.start(TestPostgres.newDatabase()) : TestBroker.start();
    first = broker.api;
    second = broker.startBroker("test-broker-2", broker.openStore(broker.storeUrl));
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "PostgreSQL"})
  void aPasswordChangeEndsTheUsersTokensAtEveryBroker(String database) throws Exception {
    start(database);
    bobsTokensEndWith("PATCH", "/api/v1/admin/users/bob", json("password", "bobs-new-password"), 200);
    assertThat(me(first, signIn(second, "bob", "bobs-new-password")).status()).as("a new sign-in").isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "PostgreSQL"})
  void aDisableEndsTheUsersTokensAtEveryBrokerAndReEnablingBringsNoneBack(String database) throws Exception {
    start(database);
    List<String> tokens = bobsTokensEndWith("PATCH", "/api/v1/admin/users/bob", json("enabled", false), 200);
    assertThat(admin("PATCH", "/api/v1/admin/users/bob", json("enabled", true)).status()).isEqualTo(200);
    assertRefusedEverywhere(tokens);
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "PostgreSQL"})
  void aRemovalFromAGroupEndsTheUsersTokensAtEveryBroker(String database) throws Exception {
    start(database);
    bobsTokensEndWith("DELETE", "/api/v1/admin/groups/staff/members/bob", null, 204);
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "PostgreSQL"})
  void signOutEverywhereEndsEveryTokenOfTheUserAtEveryBrokerAndNoOneElses(String database) throws Exception {
    start(database);
    String alices = signIn(first, "alice", PASSWORD);
    assertError(first.post("bob", "/api/v1/admin/users/alice/sign-out", null), 403, "forbidden");

    bobsTokensEndWith("POST", "/api/v1/admin/users/bob/sign-out", null, 204);

    assertThat(me(second, alices).status()).as("another user's token").isEqualTo(200);
    assertThat(broker.store.audit().query(new AuditEntry.Query(ADMIN, "user.sign-out", "bob", null, null, null))
        .items()).hasSize(1);
    assertError(admin("POST", "/api/v1/admin/users/" + segment("no one") + "/sign-out", null), 404, "not_found");
    assertThat(me(first, signIn(first, "bob", PASSWORD)).status()).as("bob signs in again").isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "PostgreSQL"})
  void aDeletedUsersTokensDoNotComeBackWithANewUserOfTheSameName(String database) throws Exception {
    start(database);
    List<String> tokens = signInAtBoth("bob", PASSWORD);
    assertThat(admin("DELETE", "/api/v1/admin/users/bob", null).status()).isEqualTo(204);
    assertThat(admin("POST", "/api/v1/admin/users", json("name", "bob", "password", "another-bob-pw")).status())
        .isEqualTo(201);

    assertRefusedEverywhere(tokens);
  }

  /**
   * Signs bob in at both brokers, has an admin make a change at the first (answered {@code
   * status}), and asserts that both of bob's tokens are refused at both brokers; returns them.
   */
  private List<String> bobsTokensEndWith(String method, String path, String body, int status) {
    List<String> tokens = signInAtBoth("bob", PASSWORD);
    assertThat(admin(method, path, body).status()).isEqualTo(status);
    assertRefusedEverywhere(tokens);
    return tokens;
  }

  /** Signs {@code user} in at both brokers, then lets a second pass. */
  private List<String> signInAtBoth(String user, String password) {
    List<String> tokens = List.of(signIn(first, user, password), signIn(second, user, password));
    for (String token : tokens) {
      assertThat(me(first, token).status()).isEqualTo(200);
      assertThat(me(second, token).status()).isEqualTo(200);
    }
    broker.clock.advance(Duration.ofSeconds(1));
    return tokens;
  }

  private void assertRefusedEverywhere(List<String> tokens) {
    for (String token : tokens) {
      assertError(me(first, token), 401, "unauthorized");
      assertError(me(second, token), 401, "unauthorized");
    }
  }

  private static String signIn(Api api, String user, String password) {
    Answer answer = api.send(null, null, "POST", SignInApi.LOGIN, json("username", user, "password", password), null);
    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    return answer.text("/token");
  }

  private static Answer me(Api api, String token) {
    return api.sendWithToken(token, "GET", "/api/v1/me", null);
  }

  /** An admin's request at the first broker, with HTTP Basic. */
  private Answer admin(String method, String path, String body) {
    return first.send(ADMIN, PASSWORD, method, path, body, null);
  }
}
