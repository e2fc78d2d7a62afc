package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.broker.SignInPolicy;
import io.shardbroker.broker.TrustedProxies;
import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker config file's {@code http.trustedProxies} (nobody's header believed unless listed)
 * and {@code signIn.maxPasswordChecks}.
 */
class BrokerSignInConfigTest {

  private static BrokerConfig read(Path dir, String yaml) throws Exception {
    return ConfigFiles.read(Files.writeString(dir.resolve("broker.yaml"), yaml), BrokerConfig.class);
  }

  @Test
  void withoutTheKeysNoProxyIsTrustedAndChecksAreOnePerProcessor(@TempDir Path dir) throws Exception {
    BrokerConfig config = read(dir, "http: {port: 8080}\n");
    assertThat(BrokerCommand.trustedProxies(config.http())).isEqualTo(TrustedProxies.NONE);
    assertThat(BrokerCommand.trustedProxies(read(dir, "id: b1\n").http())).isEqualTo(TrustedProxies.NONE);
    assertThat(BrokerCommand.signIn(config.signIn()).maxPasswordChecks())
        .isEqualTo(SignInPolicy.MAX_PASSWORD_CHECKS_DEFAULT).isPositive();
  }

  @Test
  void proxiesAndTheBoundOnChecksAreRead(@TempDir Path dir) throws Exception {
    BrokerConfig config = read(dir, """
        http:
          trustedProxies: [127.0.0.1, 10.20.0.0/16, "fd00::/8"]
        signIn:
          maxPasswordChecks: 3
        """);
    assertThat(BrokerCommand.trustedProxies(config.http()).addresses())
        .isEqualTo(List.of("127.0.0.1", "10.20.0.0/16", "fd00::/8"));
    assertThat(BrokerCommand.signIn(config.signIn()).maxPasswordChecks()).isEqualTo(3);
  }

  @Test
  void theExampleConfigTrustsItsTlsProxyOnLoopback() {
    BrokerConfig example = ConfigFiles.read(Path.of("..", "config", "broker.yaml"), BrokerConfig.class);
    assertThat(BrokerCommand.trustedProxies(example.http())).isEqualTo(new TrustedProxies(List.of("127.0.0.1")));
  }

  @Test
  void aProxyThatIsNoAddressOrABadBoundIsNamed(@TempDir Path dir) throws Exception {
    BrokerConfig byName = read(dir, "http: {trustedProxies: [proxy.example.com]}\n");
    assertThatThrownBy(() -> BrokerCommand.trustedProxies(byName.http())).hasMessageContaining("'proxy.example.com'");
    BrokerConfig none = read(dir, "signIn: {maxPasswordChecks: 0}\n");
    assertThatThrownBy(() -> BrokerCommand.signIn(none.signIn())).hasMessageContaining("1..1024, got 0");
  }
}
