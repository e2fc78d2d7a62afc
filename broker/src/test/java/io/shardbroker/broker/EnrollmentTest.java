package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.CertificateRequests;
import io.shardbroker.security.Identity;
import io.shardbroker.security.Pem;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.store.AuditEntry;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Agent enrollment: a one-time token for one VM, exchanged once for a certificate of the agent's own key. */
@Timeout(60)
class EnrollmentTest {

  private final TestBroker broker = TestBroker.start();
  private final CertificateAuthority root = CertificateAuthority.create("test CA", Clock.systemUTC());
  private final TestBroker.Api api = broker.startBroker("enrolling", broker.store, s -> s.withEnrollment(
      new Enrollment(CertificateAuthority.enroller(root.issueEnroller("enrolling", Duration.ofDays(30)), broker.clock),
          Duration.ofDays(90))));

  EnrollmentTest() throws IOException {}

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aTokenBuysOneCertificateForItsVmAndTheKeyStaysWithTheAgent() {
    String token = createToken("vm-0042");
    KeyPair keys = CertificateRequests.newKeyPair();
    TestBroker.Answer enrolled = enroll("vm-0042", token, CertificateRequests.create(keys, "vm-0042"));
    assertThat(enrolled.status()).as("%s", enrolled).isEqualTo(200);

    List<X509Certificate> chain = Pem.parseCertificates(enrolled.text("/certificate"));
    X509Certificate authority = Pem.parseCertificates(enrolled.text("/authority")).get(0);
    assertThat(authority).isEqualTo(root.certificate());
    TlsCredentials agent = new TlsCredentials(keys.getPrivate(), chain, authority);
    assertThat(agent.identity()).isEqualTo(Identity.of(Role.AGENT, "vm-0042"));

    // used once: never again, not even with a fresh key
    assertError(enroll("vm-0042", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-0042")),
        403, "enrollment_refused");
    assertThat(broker.store.audit().query(new AuditEntry.Query(null, "enrollment.", null, null, null, null)).items())
        .extracting(AuditEntry::action).containsExactly("enrollment.refuse", "enrollment.redeem", "enrollment.create");
  }

  @Test
  void aTokenForOneVmCannotEnrollAnotherAndIsNotUsedUpTrying() {
    String token = createToken("vm-1");
    assertError(enroll("vm-2", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-2")),
        403, "enrollment_refused");
    assertThat(enroll("vm-1", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1")).status())
        .isEqualTo(200);
  }

  @Test
  void anExpiredTokenIsRefused() {
    String token = createToken("vm-1");
    broker.clock.advance(Enrollment.TOKEN_LIFETIME_DEFAULT.plusSeconds(1));
    assertError(enroll("vm-1", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1")),
        403, "enrollment_refused");
  }

  @Test
  void aBadRequestDoesNotWasteTheToken() {
    String token = createToken("vm-1");
    assertThat(TestBroker.assertError(enroll("vm-1", token, "not a request"), 400, "bad_request").get("field").asText())
        .isEqualTo("certificateRequest");
    assertThat(TestBroker.assertError(enroll("vm\u00011", token, "r"), 400, "bad_request").get("field").asText())
        .isEqualTo("vmId");
    assertThat(enroll("vm-1", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1")).status())
        .isEqualTo(200);
  }

  @Test
  void aWrongTokenIsRefusedBeforeItsCertificateRequestIsRead() {
    String token = createToken("vm-1");
    for (String wrong : List.of("sbe1.guess", token + "x", token.substring(1))) {
      assertError(enroll("vm-1", wrong, "not a request"), 403, "enrollment_refused");
    }
    assertError(enroll("vm-2", token, "not a request"), 403, "enrollment_refused");  // the token of another VM
    assertThat(TestBroker.assertError(enroll("vm-1", token, "not a request"), 400, "bad_request").get("field").asText())
        .isEqualTo("certificateRequest");  // with the right token the request is read, and the token kept
    assertThat(enroll("vm-1", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1")).status())
        .isEqualTo(200);
  }

  @Test
  void failedEnrollmentsDoNotSlowSignInsFromTheirAddress() {
    String request = CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-x");
    for (int i = 0; i <= SignInPolicy.DEFAULT.addressFreeFailures(); i++) {
      assertError(enroll("vm-" + i, "sbe1.guess", request), 403, "enrollment_refused");
    }
    assertError(enroll("vm-fresh", "sbe1.guess", request), 429, "too_many_attempts");  // the address waits

    assertThat(api.get("alice", "/api/v1/me").status()).isEqualTo(200);
  }

  @Test
  void failedSignInsDoNotSlowEnrollmentsFromTheirAddress() {
    for (int i = 0; i <= SignInPolicy.DEFAULT.addressFreeFailures(); i++) {
      assertError(api.send("user" + i, "wrong password", "GET", "/api/v1/me", null, null), 401, "unauthorized");
    }
    assertError(api.send("fresh", "wrong password", "GET", "/api/v1/me", null, null), 429, "too_many_attempts");

    // Made in the store: the admin API would ask for a password from this address, which waits.
    String token = broker.store.security().createEnrollment(TestBroker.SETUP, "vm-1", Duration.ofMinutes(15)).token();
    assertThat(enroll("vm-1", token, CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1")).status())
        .isEqualTo(200);
  }

  @Test
  void onlyAdminsMakeTokensAndGuessingIsSlowed() {
    assertError(api.post("alice", "/api/v1/admin/enrollments", json("vmId", "vm-1")), 403, "forbidden");
    String request = CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-9");
    for (int i = 0; i < SignInPolicy.DEFAULT.userFreeFailures() + 1; i++) {
      assertError(enroll("vm-9", "sbe1.guess" + i, request), 403, "enrollment_refused");
    }
    assertError(enroll("vm-9", "sbe1.guess", request), 429, "too_many_attempts");
  }

  @Test
  void aBrokerWithoutEnrollerSaysSo() {
    assertError(broker.api.send(null, null, "POST", "/api/v1/enroll",
        json("vmId", "vm-1", "token", "t", "certificateRequest", "r"), null), 404, "not_found");
  }

  private String createToken(String vmId) {
    TestBroker.Answer created = api.send(ADMIN, PASSWORD, "POST", "/api/v1/admin/enrollments", json("vmId", vmId), null);
    assertThat(created.status()).as("%s", created).isEqualTo(201);
    assertThat(created.text("/vmId")).isEqualTo(vmId);
    return created.text("/token");
  }

  private TestBroker.Answer enroll(String vmId, String token, String request) {
    return api.send(null, null, "POST", "/api/v1/enroll",
        json("vmId", vmId, "token", token, "certificateRequest", request), null);
  }
}
