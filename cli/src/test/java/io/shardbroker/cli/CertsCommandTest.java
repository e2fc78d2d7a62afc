package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.security.Identity;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shardbroker certs} and what role commands do with, without and with the wrong certificate. */
class CertsCommandTest {

  @TempDir Path dir;

  private CommandRun run(String... args) {
    return CommandRun.of(args);
  }

  @Test
  void initThenIssueMakesFilesThatLoadAsTheNamedIdentity() {
    Path certs = dir.resolve("certs");
    assertThat(run("certs", "init", "--dir", certs.toString()).exitCode()).isZero();
    CommandRun issued = run("certs", "issue", "--dir", certs.toString(), "--role", "agent", "--vm", "vm-0042");
    assertThat(issued.exitCode()).isZero();
    assertThat(issued.out()).contains("--tls-cert " + certs.resolve("agent-vm-0042.crt"));

    TlsCredentials loaded = TlsCredentials.load(certs.resolve("agent-vm-0042.crt"),
        certs.resolve("agent-vm-0042.key"), certs.resolve("ca.crt"));
    assertThat(loaded.identity()).isEqualTo(Identity.of(Role.AGENT, "vm-0042"));

    CommandRun show = run("certs", "show", certs.resolve("agent-vm-0042.crt").toString());
    assertThat(show.out()).contains("identity: agent vm-0042", "spiffe://shardbroker/agent/vm-0042");
  }

  @Test
  void nothingIsOverwrittenAndMissingNamesAreExplained() {
    Path certs = dir.resolve("certs");
    run("certs", "init", "--dir", certs.toString());
    CommandRun again = run("certs", "init", "--dir", certs.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already exists");

    assertThat(run("certs", "issue", "--dir", certs.toString(), "--role", "concentrator", "--name", "a1").err())
        .contains("needs the host names");
    assertThat(run("certs", "issue", "--dir", certs.toString(), "--role", "fleet").err())
        .contains("--vm-prefix");
    assertThat(run("certs", "issue", "--dir", dir.resolve("none").toString(), "--role", "broker", "--name", "b").err())
        .contains("no CA in", "certs init");
  }

  @Test
  void aRoleWithoutCertificateRefusesToStartUnlessInsecure() {
    CommandRun run = run("concentrator", "--id", "a1", "--set", "a=a1@127.0.0.1:0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no TLS certificate", "--tls-cert", "--insecure");
  }

  @Test
  void aRoleRefusesACertificateThatIsNotItsOwn() {
    Path certs = dir.resolve("certs");
    run("certs", "init", "--dir", certs.toString());
    run("certs", "issue", "--dir", certs.toString(), "--role", "concentrator", "--name", "a2", "--host", "127.0.0.1");
    CommandRun run = run("concentrator", "--id", "a1", "--set", "a=a1@127.0.0.1:0",
        "--tls-cert", certs.resolve("concentrator-a2.crt").toString(),
        "--tls-key", certs.resolve("concentrator-a2.key").toString(), "--tls-ca", certs.resolve("ca.crt").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("is the certificate of concentrator a2, not of concentrator a1");
  }

  @Test
  void aBrokerRefusesPlainHttpOnTheNetwork() {
    CommandRun run = run("broker", "--http-host", "0.0.0.0", "--set", "a=a1@127.0.0.1:1", "--data",
        dir.resolve("data").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("plain HTTP on 0.0.0.0", "--https-cert", "--insecure");
  }

  @Test
  void certificatesForEveryRoleHaveNamesTheFilesSay() {
    Path certs = dir.resolve("certs");
    run("certs", "init", "--dir", certs.toString());
    for (List<String> args : List.of(List.of("--role", "broker", "--name", "b1"),
        List.of("--role", "fleet", "--vm-prefix", "desktop-", "--vm-prefix", "shared-"),
        List.of("--https", "--host", "broker.example.com"))) {
      List<String> all = new java.util.ArrayList<>(List.of("certs", "issue", "--dir", certs.toString()));
      all.addAll(args);
      assertThat(run(all.toArray(String[]::new)).exitCode()).as("%s", args).isZero();
    }
    assertThat(certs.resolve("broker-b1.crt")).exists();
    assertThat(certs.resolve("fleet-desktop-+shared-.crt")).exists();
    assertThat(certs.resolve("https-broker.example.com.key")).exists();
  }
}
