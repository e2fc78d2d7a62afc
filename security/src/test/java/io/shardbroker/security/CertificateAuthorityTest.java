package io.shardbroker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());

  @TempDir Path dir;

  @Test
  void issuedCertificatesCarryTheirIdentityAndRoundTripThroughPemFiles() {
    ca.save(dir);
    CertificateAuthority loaded = CertificateAuthority.load(dir, Clock.systemUTC());
    TlsCredentials agent = loaded.issue(Identity.of(Role.AGENT, "vm-0042"), List.of(), Duration.ofDays(30));
    agent.save(dir.resolve("vm-0042.crt"), dir.resolve("vm-0042.key"));

    TlsCredentials read = TlsCredentials.load(dir.resolve("vm-0042.crt"), dir.resolve("vm-0042.key"),
        dir.resolve(CertificateAuthority.CERTIFICATE_FILE));
    assertThat(read.identity()).isEqualTo(Identity.of(Role.AGENT, "vm-0042"));
    assertThat(read.identity().mayActAsVm("vm-0042")).isTrue();
    assertThat(read.identity().mayActAsVm("vm-0043")).isFalse();
  }

  @Test
  void privateKeysAreWrittenForTheirOwnerOnlyAndNeverOverwritten() throws Exception {
    ca.save(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");
    assertThatThrownBy(() -> ca.save(dir)).hasMessageContaining("already exists");
  }

  @Test
  void aFleetMaySpeakOnlyForVmsWithItsPrefixes() {
    Identity fleet = new Identity(Role.FLEET, List.of("desktop-", "shared-"));
    TlsCredentials issued = ca.issue(fleet, List.of(), Duration.ofDays(1));
    assertThat(issued.identity()).isEqualTo(fleet);
    assertThat(fleet.mayActAsVm("shared-00007")).isTrue();
    assertThat(fleet.mayActAsVm("engineering-00001")).isFalse();
    assertThat(Identity.of(Role.BROKER, "b1").mayActAsVm("b1")).isFalse();
  }

  @Test
  void filesThatDoNotBelongTogetherFailAtLoadWithAReason() {
    ca.save(dir);
    CertificateAuthority other = CertificateAuthority.create("other", Clock.systemUTC());
    other.issue(Identity.of(Role.BROKER, "b1"), List.of(), Duration.ofDays(1))
        .save(dir.resolve("b1.crt"), dir.resolve("b1.key"));
    assertThatThrownBy(() -> TlsCredentials.load(dir.resolve("b1.crt"), dir.resolve("b1.key"), dir.resolve("ca.crt")))
        .hasMessageContaining("was not issued by the CA");

    ca.issue(Identity.of(Role.BROKER, "b2"), List.of(), Duration.ofDays(1))
        .save(dir.resolve("b2.crt"), dir.resolve("b2.key"));
    assertThatThrownBy(() -> TlsCredentials.load(dir.resolve("b2.crt"), dir.resolve("b1.key"), dir.resolve("ca.crt")))
        .hasMessageContaining("is not the private key");
  }

  @Test
  void badNamesAndServerCertificatesWithoutHostsAreRefused() {
    assertThatThrownBy(() -> Identity.of(Role.AGENT, "vm/../x")).hasMessageContaining("1-128 letters");
    assertThatThrownBy(() -> new Identity(Role.AGENT, List.of("a", "b"))).hasMessageContaining("only a fleet");
    assertThatThrownBy(() -> ca.issue(Identity.of(Role.CONCENTRATOR, "a1"), List.of(), Duration.ofDays(1)))
        .hasMessageContaining("needs the host names");
    assertThatThrownBy(() -> Role.fromLabel("admin")).hasMessageContaining("got 'admin'");
  }
}
