package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics} names pools and VMs: with a metrics token configured, only its bearer reads it. */
class MetricsTokenTest {

  private static final String TOKEN = "metrics-token-0123456789abcdef";

  private TestBroker broker;

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void withATokenMetricsWithoutItAreRefused401() throws Exception {
    broker = TestBroker.start(s -> s.withSecurity(s.security().withMetricsToken(new MetricsToken(TOKEN))));
    TestBroker.Api api = broker.api;

    TestBroker.Answer bare = api.send(null, null, "GET", "/metrics", null, null);
    assertError(bare, 401, "unauthorized");
    assertThat(bare.body()).doesNotContain("shardbroker_");
    assertError(api.sendWithToken("wrong-token-0123456789abcdef", "GET", "/metrics", null), 401, "unauthorized");
    assertError(api.sendWithToken(TOKEN.substring(0, TOKEN.length() - 1), "GET", "/metrics", null),
        401, "unauthorized");
    assertError(api.sendWithToken(TOKEN + "x", "GET", "/metrics", null), 401, "unauthorized");
    assertError(api.get(TestBroker.ADMIN, "/metrics"), 401, "unauthorized");  // a password is not the token

    TestBroker.Answer scraped = api.sendWithToken(TOKEN, "GET", "/metrics", null);
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.body()).contains("shardbroker_");
  }

  @Test
  void withoutATokenMetricsStayOpenForPrometheus() throws Exception {
    broker = TestBroker.start();

    TestBroker.Answer scraped = broker.api.send(null, null, "GET", "/metrics", null, null);

    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.body()).contains("shardbroker_");
  }

  @Test
  void aShortOrSpacedTokenIsRefusedAtStart() {
    assertThatThrownBy(() -> new MetricsToken("short")).hasMessageContaining("at least 16");
    assertThatThrownBy(() -> new MetricsToken("has a space in it ok")).hasMessageContaining("white space");
    assertThat(new MetricsToken(TOKEN)).hasToString("MetricsToken[hidden]");
  }
}
