package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Whose word about the client is believed: each test is a client trying to pass for another. */
class TrustedProxiesTest {

  private final TrustedProxies proxies = new TrustedProxies(List.of("10.0.0.5", "10.1.0.0/16", "fd00::/8"));

  @Test
  void aPeerThatIsNoTrustedProxyIsItsOwnAddressWhateverItSays() {
    assertThat(proxies.client("203.0.113.7", List.of("198.51.100.2"), List.of("for=198.51.100.2")))
        .isEqualTo("203.0.113.7");
    assertThat(TrustedProxies.NONE.client("10.0.0.5", List.of("198.51.100.2"), List.of())).isEqualTo("10.0.0.5");
  }

  @Test
  void behindTrustedProxiesTheClientIsTheRightMostAddressNoProxyOfOursWrote() {
    assertThat(proxies.client("10.0.0.5", List.of("198.51.100.2"), List.of())).isEqualTo("198.51.100.2");
    // The client wrote the left-most entry itself; the proxy appended the address it saw.
    assertThat(proxies.client("10.0.0.5", List.of("10.1.2.3, 192.0.2.1", "203.0.113.7, 10.1.9.9"), List.of()))
        .isEqualTo("203.0.113.7");
    assertThat(proxies.client("10.1.4.4", List.of(), List.of("for=192.0.2.1, for=\"[2001:db8::17]:4711\";proto=https")))
        .isEqualTo("2001:db8:0:0:0:0:0:17");
    assertThat(proxies.client("10.0.0.5", List.of("203.0.113.7:50123"), List.of())).isEqualTo("203.0.113.7");
    assertThat(proxies.client("10.0.0.5", List.of(), List.of())).as("no header").isEqualTo("10.0.0.5");
    assertThat(proxies.client("[fd00:0:0:0:0:0:0:1]", List.of("10.1.0.1"), List.of())).as("all ours")
        .isEqualTo("10.1.0.1");
  }

  @Test
  void anEntryThatCannotBeReadOrTwoHeadersThatDisagreeCountAsTheProxy() {
    assertThat(proxies.client("10.0.0.5", List.of("unknown"), List.of())).isEqualTo("10.0.0.5");
    assertThat(proxies.client("10.0.0.5", List.of("203.0.113.7, attacker.example"), List.of())).isEqualTo("10.0.0.5");
    assertThat(proxies.client("10.0.0.5", List.of(), List.of("for=_hidden"))).isEqualTo("10.0.0.5");
    assertThat(proxies.client("10.0.0.5", List.of("203.0.113.7"), List.of("for=192.0.2.1"))).isEqualTo("10.0.0.5");
    assertThat(proxies.client("10.0.0.5", List.of("203.0.113.7"), List.of("for=203.0.113.7")))
        .isEqualTo("203.0.113.7");
  }

  @Test
  void anEntryThatIsNoAddressOrNetworkIsNamed() {
    assertThatThrownBy(() -> new TrustedProxies(List.of("proxy.example.com")))
        .hasMessageContaining("IP address or a network", "'proxy.example.com'");
    assertThatThrownBy(() -> new TrustedProxies(List.of("10.0.0.0/33"))).hasMessageContaining("0..32");
    assertThatThrownBy(() -> new TrustedProxies(List.of("300.1.1.1"))).hasMessageContaining("'300.1.1.1'");
    assertThat(new TrustedProxies(List.of("0.0.0.0/0")).client("192.0.2.9", List.of("198.51.100.2"), List.of()))
        .isEqualTo("198.51.100.2");
  }
}
