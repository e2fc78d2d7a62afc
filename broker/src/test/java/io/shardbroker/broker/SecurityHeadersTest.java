package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.security.TrustOnly;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every answer of the broker carries the security headers ({@link SecurityHeaders}); HSTS over HTTPS only. */
@Timeout(60)
class SecurityHeadersTest {

  private final TestBroker broker = TestBroker.start();
  private final Api api = broker.api;

  SecurityHeadersTest() throws Exception {}

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void everyAnswerCarriesThem() {
    List<Answer> answers = List.of(
        api.get(null, "/"),
        api.get(null, "/admin"),
        api.get(null, "/desktop"),
        api.get(null, "/portal/portal.js"),
        api.get(null, "/healthz"),
        api.get(null, "/api/v1/auth/login"),
        api.get(ADMIN, "/api/v1/me"),
        api.get(ADMIN, "/api/v1/no-such-route"),
        api.get(null, "/api/v1/me"),
        api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", "{}", Map.of("Content-Type", "text/plain")),
        api.sendWithHeaders(ADMIN, "POST", "/api/v1/admin/pools", "{}", Map.of("Origin", "http://evil.example")),
        api.get(ADMIN, "/api/v1/admin/users/a%00b"));  // refused by Jetty before any route
    assertThat(answers).extracting(Answer::status).containsExactly(200, 200, 200, 200, 200, 200, 200, 404, 401,
        415, 403, 400);
    for (Answer answer : answers) {
      assertProtective(answer.headers(), answer.toString());
      assertThat(answer.header("Strict-Transport-Security")).as("%s over plain HTTP", answer).isEmpty();
    }
  }

  @Test
  void overHttpsBrowsersAreToldToKeepToIt() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());
    TlsCredentials web = ca.issueWebServer(List.of("127.0.0.1"), Duration.ofDays(1));
    String base = broker.startBroker("b-https", broker.store,
        s -> s.withHttps(new HttpsCertificate(web.key(), web.chain()))).base.replace("http:", "https:");
    HttpClient trusting = HttpClient.newBuilder().sslContext(TrustOnly.sslContext(ca.certificate())).build();

    for (String path : List.of("/", "/api/v1/me", "/api/v1/admin/users/a%00b")) {
      HttpResponse<String> answer = trusting.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertProtective(answer.headers(), path);
      assertThat(answer.headers().firstValue("Strict-Transport-Security")).as(path)
          .hasValue(SecurityHeaders.STRICT_TRANSPORT_SECURITY);
    }
  }

  private static void assertProtective(HttpHeaders headers, String what) {
    assertThat(headers.firstValue("Content-Security-Policy")).as(what).hasValueSatisfying(csp -> assertThat(csp)
        .startsWith("default-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe"));
    assertThat(headers.firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
    assertThat(headers.firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
  }
}
