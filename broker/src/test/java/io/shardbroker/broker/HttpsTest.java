package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.security.TrustOnly;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP API over HTTPS, with a certificate made at test time. */
@Timeout(60)
class HttpsTest {

  private final TestBroker broker = TestBroker.start();
  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());

  HttpsTest() throws IOException {}

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void servesHttpsWithItsCertificateAndNoPlainHttp() throws Exception {
    TlsCredentials web = ca.issueWebServer(List.of("127.0.0.1"), Duration.ofDays(1));
    String base = broker.startBroker("b-https", broker.store,
        s -> s.withHttps(new HttpsCertificate(web.key(), web.chain()))).base;
    int port = URI.create(base).getPort();

    HttpClient trusting = HttpClient.newBuilder().sslContext(TrustOnly.sslContext(ca.certificate())).build();
    HttpResponse<String> health = trusting.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);

    // a client that does not trust the certificate refuses it; a plain-HTTP client gets no API
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
  }
}
