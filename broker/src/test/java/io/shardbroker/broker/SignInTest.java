package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.store.AuditEntry;
import io.shardbroker.store.LdapSettings;
import io.shardbroker.store.LdapTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sign-in for the web portal (bearer tokens), sign-out, and what stops password guessing: each
 * test tries to break a rule and fails to. Time is the broker's fake clock.
 */
@Timeout(60)
class SignInTest {

  private final TestBroker broker = TestBroker.start();
  private final HttpClient http = HttpClient.newHttpClient();

  SignInTest() throws IOException {}

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aTokenFromLoginSignsInUntilItExpires() throws Exception {
    JsonNode signedIn = login("alice", PASSWORD).json();
    String token = signedIn.get("token").asText();
    assertThat(Instant.parse(signedIn.get("expiresAt").asText()))
        .isEqualTo(broker.clock.instant().plus(SignInPolicy.DEFAULT.tokenLifetime()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(withToken(token, "GET", "/api/v1/me").text("/name")).isEqualTo("alice");

    broker.clock.advance(SignInPolicy.DEFAULT.tokenLifetime());
    TestBroker.Answer expired = withToken(token, "GET", "/api/v1/me");
    assertError(expired, 401, "unauthorized");
    assertThat(expired.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
  }

  @Test
  void aTamperedTokenIsRefusedAndAudited() throws Exception {
    String token = login("bob", PASSWORD).text("/token");
    String[] parts = token.substring(SignInTokens.PREFIX.length()).split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
    String asAlice = SignInTokens.PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.replace("|bob", "|alice").getBytes(StandardCharsets.UTF_8)) + "." + parts[1];

    assertError(withToken(asAlice, "GET", "/api/v1/me"), 401, "unauthorized");
    assertError(withToken(token + "x", "GET", "/api/v1/me"), 401, "unauthorized");
    assertError(withToken("not-a-token", "GET", "/api/v1/me"), 401, "unauthorized");
    assertThat(actions("signin.refuse")).hasSize(1);  // the first; the next two are counted
    broker.clock.advance(Refusals.WINDOW);
    assertThat(actions("signin.refuse")).extracting(AuditEntry::detail)
        .anySatisfy(detail -> assertThat(detail).startsWith("2 more like this"));
    assertThat(broker.refusedTimes("signin.refuse")).isEqualTo(3);
  }

  @Test
  void aFloodOfBadTokensWritesARowAndACountNotAThousandRows() throws Exception {
    long before = broker.store.audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items().size();
    for (int i = 0; i < 1000; i++) {
      assertError(withToken("sbt1.not-a-token-" + i, "GET", "/api/v1/me"), 401, "unauthorized");
    }
    assertThat(actions("signin.refuse")).hasSize(1);
    broker.clock.advance(Refusals.WINDOW);  // the broker writes the minute's count by itself
    assertThat(actions("signin.refuse")).hasSize(2);
    assertThat(broker.refusedTimes("signin.refuse")).isEqualTo(1000);
    long after = broker.store.audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items().size();
    assertThat(after - before).isEqualTo(2);
  }

  @Test
  void anUnauthenticatedPreflightOnTheAdminApiWritesNoAuditRow() throws Exception {
    long before = broker.store.audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items().size();
    for (int i = 0; i < 50; i++) {
      assertThat(broker.api.send(null, null, "OPTIONS", "/api/v1/admin/users", null, null).status())
          .isBetween(400, 499);
    }
    broker.clock.advance(Refusals.WINDOW);
    long after = broker.store.audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items().size();
    assertThat(after).isEqualTo(before);
  }

  @Test
  void logoutEndsTheTokenAtEveryBrokerOfTheStore() throws Exception {
    TestBroker.Api second = broker.startBroker("b2", broker.store);
    String token = login("carol", PASSWORD).text("/token");
    assertThat(send(second.base, token, "GET", "/api/v1/me", null).status()).as("a token of b1 at b2").isEqualTo(200);

    assertThat(withToken(token, "POST", "/api/v1/auth/logout").status()).isEqualTo(204);
    assertError(withToken(token, "GET", "/api/v1/me"), 401, "unauthorized");
    assertError(send(second.base, token, "GET", "/api/v1/me", null), 401, "unauthorized");
    assertError(broker.api.post("carol", "/api/v1/auth/logout", null), 400, "bad_request");
  }

  @Test
  void aDisabledUsersTokenStopsWorking() throws Exception {
    String token = login("dave", PASSWORD).text("/token");
    assertThat(broker.api.send(TestBroker.ADMIN, PASSWORD, "PATCH", "/api/v1/admin/users/dave",
        json("enabled", false), null).status()).isEqualTo(200);
    assertError(withToken(token, "GET", "/api/v1/me"), 401, "unauthorized");
  }

  @Test
  void repeatedWrongPasswordsAreSlowedThenLockedEvenForTheRightOne() throws Exception {
    SignInPolicy policy = SignInPolicy.DEFAULT;
    for (int i = 1; i <= policy.userFreeFailures(); i++) {
      assertError(login("alice", "guess-" + i), 401, "unauthorized");
    }
    assertError(login("alice", "guess-4"), 401, "unauthorized");  // past the free ones: now it waits
    TestBroker.Answer waiting = login("alice", PASSWORD);
    assertError(waiting, 429, "too_many_attempts");
    assertThat(waiting.header("Retry-After")).contains("1");
    assertError(broker.api.get("alice", "/api/v1/me"), 429, "too_many_attempts");  // HTTP Basic too

    for (int i = policy.userFreeFailures() + 2; i <= policy.userLockAfter(); i++) {
      broker.clock.advance(Duration.ofMinutes(1));  // each wait is over by then
      assertError(login("alice", "guess-" + i), 401, "unauthorized");
    }
    TestBroker.Answer locked = login("alice", PASSWORD);
    assertError(locked, 429, "too_many_attempts");
    assertThat(Long.parseLong(locked.header("Retry-After").orElseThrow())).isEqualTo(policy.lockFor().toSeconds());
    assertThat(actions("signin.lock")).hasSize(1);
    assertThat(broker.refusedTimes("signin.refuse")).isEqualTo(policy.userLockAfter() - 1);

    broker.clock.advance(policy.lockFor());
    assertThat(login("alice", PASSWORD).status()).isEqualTo(200);
    assertThat(login("alice", "one-more-guess").status()).as("the count starts again").isEqualTo(401);
  }

  @Test
  void aRefusedNameWithControlCharactersIsAuditedReadably() throws Exception {
    assertError(login("ali\u0001ce", "guess"), 401, "unauthorized");
    assertThat(actions("signin.refuse")).extracting(AuditEntry::actor).containsExactly("ali\\u0001ce");
  }

  @Test
  void tokenIdsAreAlwaysValidStoreIds() throws Exception {
    for (int i = 0; i < 50; i++) {  // base64 ids starting with '-' or '_' once broke sign-out
      String token = login("bob", PASSWORD).text("/token");
      assertThat(withToken(token, "POST", "/api/v1/auth/logout").status()).isEqualTo(204);
    }
  }

  @Test
  void aFloodFromOneAddressOverManyNamesIsSlowed() throws Exception {
    SignInPolicy policy = SignInPolicy.DEFAULT;
    for (int i = 0; i < policy.addressFreeFailures(); i++) {
      assertError(login("user-" + i, "guess"), 401, "unauthorized");  // each name fails once only
    }
    assertError(login("user-x", "guess"), 401, "unauthorized");
    assertError(login("bob", PASSWORD), 429, "too_many_attempts");  // the address waits now
  }

  @Test
  void aUserCannotEndAnotherUsersSessionAndTheAttemptIsAudited() throws Exception {
    broker.a1.addVm("vm-1", "desktop", 1);
    broker.a1.addSession("vm-1", "alice-1", "alice");
    assertError(broker.api.endSession("bob", "alice-1"), 404, "session_not_found");
    assertThat(broker.a1.sessionsOn("vm-1")).isEqualTo(1);
    List<AuditEntry> refused = broker.store.audit().query(new AuditEntry.Query("bob", "session.end.refuse", null,
        null, null, null)).items();
    assertThat(refused).extracting(AuditEntry::target).containsExactly("alice-1");

    // an admin sees and ends anyone's session, on the record
    assertThat(broker.api.get(TestBroker.ADMIN, "/api/v1/admin/users/alice/sessions").json().get("sessions"))
        .hasSize(1);
    assertError(broker.api.get("bob", "/api/v1/admin/users/alice/sessions"), 403, "forbidden");
    assertThat(broker.api.delete(TestBroker.ADMIN, "/api/v1/admin/users/alice/sessions/alice-1").status()).isEqualTo(204);
    assertThat(broker.a1.sessionsOn("vm-1")).isZero();
    assertThat(broker.store.audit().query(new AuditEntry.Query(TestBroker.ADMIN, "session.end", null, null, null, null))
        .items()).extracting(AuditEntry::target).containsExactly("alice-1");
  }

  @Test
  void theSignInFormsNoticeIsOpenToAllAndEmptyUnlessSet() throws Exception {
    assertThat(send(broker.api.base, null, "GET", "/api/v1/auth/login", null).json().get("notice").asText()).isEmpty();

    String notice = "Authorized use only.\nHelp: the service desk, 555-0100.";
    TestBroker.Api withNotice = broker.startBroker("noticing", broker.store,
        s -> s.withSecurity(s.security().withSignIn(SignInPolicy.DEFAULT.withNotice("  " + notice + "\n"))));
    TestBroker.Answer form = send(withNotice.base, null, "GET", "/api/v1/auth/login", null);
    assertThat(form.status()).isEqualTo(200);
    assertThat(form.json().get("notice").asText()).isEqualTo(notice);

    assertThatThrownBy(() -> SignInPolicy.DEFAULT.withNotice("x".repeat(SignInPolicy.NOTICE_MAX + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 2000 characters");
  }

  @Test
  void aDirectoryThatCannotBeReachedIsSaidSoNotTakenForAWrongPassword() throws Exception {
    // nothing listens on port 1 of loopback: every bind fails at once
    LdapSettings unreachable = LdapSettings.of("ldap://127.0.0.1:1", "uid={0},ou=people,dc=example,dc=com",
        "ou=groups,dc=example,dc=com", LdapTransport.INSECURE).withTimeout(Duration.ofSeconds(2));
    TestBroker.Api withDirectory = broker.startBroker("directory", broker.store,
        s -> s.withSecurity(s.security().withLdap(unreachable)));

    TestBroker.Answer refused = send(withDirectory.base, null, "POST", "/api/v1/auth/login",
        json("username", "dora", "password", "her-password"));
    assertError(refused, 503, "directory_unavailable");
    assertThat(refused.header("Retry-After")).isPresent();
    // a local user does not need the directory
    assertThat(send(withDirectory.base, null, "POST", "/api/v1/auth/login", json("username", "alice",
        "password", PASSWORD)).status()).isEqualTo(200);
  }

  @Test
  void aGuesserBehindTheProxyLocksOutOnlyItsOwnAddress() throws Exception {
    TestBroker.Api proxied = behindProxy();
    SignInPolicy policy = SignInPolicy.DEFAULT;
    for (int i = 0; i <= policy.addressFreeFailures(); i++) {
      assertError(loginFrom(proxied, "203.0.113.7", "made-up-" + i, "guess"), 401, "unauthorized");
    }
    assertError(loginFrom(proxied, "203.0.113.7", "bob", PASSWORD), 429, "too_many_attempts");

    assertThat(loginFrom(proxied, "198.51.100.2", "alice", PASSWORD).status()).as("another user behind the proxy")
        .isEqualTo(200);
    assertThat(actions("signin.refuse")).extracting(AuditEntry::detail)
        .allSatisfy(d -> assertThat(d).contains("from 203.0.113.7"));
  }

  @Test
  void aNameGuessedFromManyAddressesStillSignsInFromItsOwn() throws Exception {
    TestBroker.Api proxied = behindProxy();
    SignInPolicy policy = SignInPolicy.DEFAULT;
    for (int i = 1; i <= policy.userLockAfter(); i++) {  // a botnet: one guess per address
      assertError(loginFrom(proxied, "203.0.113." + i, "Alice", "guess"), 401, "unauthorized");
    }
    // Under attack, one more failure from an address locks the name there at once, whatever the spelling.
    assertError(loginFrom(proxied, "203.0.113.1", "ALICE", "guess-2"), 401, "unauthorized");
    assertError(loginFrom(proxied, "203.0.113.1", "alice", PASSWORD), 429, "too_many_attempts");

    assertThat(loginFrom(proxied, "198.51.100.2", "alice", PASSWORD).status()).as("alice at her desk")
        .isEqualTo(200);
  }

  @Test
  void aForgedForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    TestBroker.Api direct = broker.api;  // trusts no proxy
    SignInPolicy policy = SignInPolicy.DEFAULT;
    for (int i = 0; i <= policy.addressFreeFailures(); i++) {  // a new "address" for every guess
      assertError(loginFrom(direct, "198.51.100." + i, "made-up-" + i, "guess"), 401, "unauthorized");
    }
    assertError(loginFrom(direct, "192.0.2.99", "bob", PASSWORD), 429, "too_many_attempts");
    assertThat(actions("signin.refuse")).extracting(AuditEntry::detail)
        .allSatisfy(d -> assertThat(d).contains("from 127.0.0.1"));
  }

  @Test
  void parallelWrongPasswordsGetNoFurtherThanTheFreeOnes() throws Exception {
    SignInPolicy policy = SignInPolicy.DEFAULT.withMaxPasswordChecks(64);  // only the throttle stops them
    TestBroker.Api api = broker.startBroker("parallel", broker.store,
        s -> s.withSecurity(s.security().withSignIn(policy)));
    int tries = 30;
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < tries; i++) {
      sent.add(http.sendAsync(request(api.base, null, "POST", "/api/v1/auth/login",
          json("username", "alice", "password", "guess-" + i)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> answer : sent) {
      statuses.add(answer.get(30, TimeUnit.SECONDS).statusCode());
    }

    assertThat(statuses).containsOnly(401, 429);
    assertThat(statuses).filteredOn(s -> s == 401).as("passwords checked").hasSize(policy.userFreeFailures() + 1);
    broker.clock.advance(Refusals.WINDOW);  // the repeats of the minute are counted in a row of their own
    assertThat(broker.refusedTimes("signin.refuse")).isEqualTo(policy.userFreeFailures() + 1);
  }

  @Test
  void passwordChecksBeyondTheBoundAreAnsweredOverloadedAtOnce() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread.ofVirtual().start(() -> {
        try {
          while (true) {
            held.add(silent.accept());  // a directory that takes the bind and never answers
          }
        } catch (IOException closed) {
          // the test is over
        }
      });
      LdapSettings stalled = LdapSettings.of("ldap://127.0.0.1:" + silent.getLocalPort(),
          "uid={0},ou=people,dc=example,dc=com", "ou=groups,dc=example,dc=com", LdapTransport.INSECURE)
          .withTimeout(Duration.ofSeconds(30));
      TestBroker.Api oneAtATime = broker.startBroker("one-check", broker.store, s -> s.withSecurity(
          s.security().withLdap(stalled).withSignIn(SignInPolicy.DEFAULT.withMaxPasswordChecks(1)
              .withPasswordCheckQueue(0))));
      CompletableFuture<HttpResponse<String>> dora = http.sendAsync(request(oneAtATime.base, null, "POST",
          "/api/v1/auth/login", json("username", "dora", "password", "her-password")).build(),
          HttpResponse.BodyHandlers.ofString());
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !held.isEmpty());

      long began = System.nanoTime();
      TestBroker.Answer refused = send(oneAtATime.base, null, "POST", "/api/v1/auth/login",
          json("username", "alice", "password", PASSWORD));
      assertError(refused, 503, "overloaded");
      assertThat(refused.header("Retry-After")).isPresent();
      assertThat(Duration.ofNanos(System.nanoTime() - began)).as("not waiting for the check in progress")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(dora).isNotDone();

      for (Socket socket : held) {
        socket.close();
      }
      assertThat(dora.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
      assertThat(send(oneAtATime.base, null, "POST", "/api/v1/auth/login",
          json("username", "alice", "password", PASSWORD)).status()).isEqualTo(200);
    }
  }

  private TestBroker.Answer login(String user, String password) throws Exception {
    return send(broker.api.base, null, "POST", "/api/v1/auth/login", json("username", user, "password", password));
  }

  private TestBroker.Answer withToken(String token, String method, String path) throws Exception {
    return send(broker.api.base, token, method, path, null);
  }

  /** A sign-in that says it is forwarded for {@code client}, as a proxy in front would. */
  private TestBroker.Answer loginFrom(TestBroker.Api api, String client, String user, String password)
      throws Exception {
    String path = "/api/v1/auth/login";
    HttpResponse<String> r = http.send(request(api.base, null, "POST", path,
        json("username", user, "password", password))
        .header("X-Forwarded-For", client).build(), HttpResponse.BodyHandlers.ofString());
    return new TestBroker.Answer("POST", path, r.statusCode(), r.body(), r.headers());
  }

  /** A broker behind a proxy on 127.0.0.1, where the tests' requests come from. */
  private TestBroker.Api behindProxy() {
    return broker.startBroker("proxied", broker.store,
        s -> s.withSecurity(s.security().withTrustedProxies(new TrustedProxies(List.of("127.0.0.1")))));
  }

  private TestBroker.Answer send(String base, String token, String method, String path, String body) throws Exception {
    HttpResponse<String> r = http.send(request(base, token, method, path, body).build(),
        HttpResponse.BodyHandlers.ofString());
    return new TestBroker.Answer(method, path, r.statusCode(), r.body(), r.headers());
  }

  private static HttpRequest.Builder request(String base, String token, String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private List<AuditEntry> actions(String action) {
    return broker.store.audit().query(new AuditEntry.Query(null, action, null, null, null, null)).items();
  }
}
