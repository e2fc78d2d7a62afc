package io.shardbroker.harness;

import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * The certificates of a cluster of role processes on this host (tests, chaos, benchmarks): a CA
 * made in a directory on first use, and a certificate for each role on request, written next to
 * it. Each method returns the {@code --tls-*} flags that make a role process use its certificate.
 * Concentrators are certified for 127.0.0.1 and localhost, where local clusters run.
 */
public final class LocalCertificates {

  private static final List<String> LOCAL_HOSTS = List.of("127.0.0.1", "localhost");

  private final Path dir;
  private final CertificateAuthority ca;

  private LocalCertificates(Path dir, CertificateAuthority ca) {
    this.dir = dir;
    this.ca = ca;
  }

  /** The CA in {@code dir}, made there first when the directory holds none. */
  public static LocalCertificates in(Path dir) {
    if (!Files.exists(dir.resolve(CertificateAuthority.KEY_FILE))) {
      CertificateAuthority.create("shardbroker local CA", Clock.systemUTC()).save(dir);
    }
    return new LocalCertificates(dir, CertificateAuthority.load(dir, Clock.systemUTC()));
  }

  public List<String> concentrator(String id) {
    return flags(Identity.of(Role.CONCENTRATOR, id), LOCAL_HOSTS);
  }

  public List<String> broker(String name) {
    return flags(Identity.of(Role.BROKER, name), List.of());
  }

  public List<String> agent(String vmId) {
    return flags(Identity.of(Role.AGENT, vmId), List.of());
  }

  /** For a simulated fleet whose VMs are named after {@code pools} ({@code desktop-00001}). */
  public List<String> fleet(List<String> pools) {
    return flags(new Identity(Role.FLEET, pools.stream().map(p -> p + "-").toList()), List.of());
  }

  /**
   * A certificate for {@code identity} in memory, not written: for a member that runs in the
   * caller's JVM rather than as a role process.
   */
  public TlsCredentials issue(Identity identity) {
    return ca.issue(identity, List.of(), CertificateAuthority.VALIDITY_DEFAULT);
  }

  /** The CA certificate file, for clients of the roles. */
  public Path authority() {
    return dir.resolve(CertificateAuthority.CERTIFICATE_FILE);
  }

  private List<String> flags(Identity identity, List<String> hosts) {
    String base = identity.role().label() + "-" + String.join("+", identity.names());
    Path cert = dir.resolve(base + ".crt");
    Path key = dir.resolve(base + ".key");
    if (!Files.exists(cert)) {
      ca.issue(identity, hosts, CertificateAuthority.VALIDITY_DEFAULT).save(cert, key);
    }
    return List.of("--tls-cert", cert.toString(), "--tls-key", key.toString(), "--tls-ca", authority().toString());
  }
}
