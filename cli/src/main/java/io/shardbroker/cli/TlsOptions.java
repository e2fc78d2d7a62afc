package io.shardbroker.cli;

import io.shardbroker.cli.config.RoleConfigs.TlsConfig;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Identity;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The certificate a role shows on its gRPC links and the CA it trusts, or {@code --insecure}.
 * Flags override the config file's {@code tls} section. Without a certificate a role does not
 * start unless told {@code --insecure}, and then it warns: plain text is never the default.
 */
final class TlsOptions {

  private static final Logger log = LoggerFactory.getLogger(TlsOptions.class);

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate this role shows on its gRPC links, from 'shardbroker certs issue'.")
  Path cert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key of --tls-cert.")
  Path key;

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM certificate of the deployment's CA (ca.crt): the only issuer this role trusts.")
  Path ca;

  @Option(names = "--certs", paramLabel = "DIR",
      description = "A directory made by 'shardbroker certs': its ca.crt, and this role's ROLE-NAME.crt and .key "
          + "(e.g. concentrator-a1.crt). Instead of --tls-cert, --tls-key and --tls-ca.")
  Path dir;

  @Option(names = "--insecure",
      description = "Allow plain text where no certificate is given: gRPC links without TLS, a broker's "
          + "HTTP API in plain HTTP on a non-loopback address. Anyone on the network can then pose as "
          + "a VM or a broker. For trials only.")
  boolean insecure;

  /** Whether --insecure was given, by flag or config file. */
  boolean insecure(TlsConfig config) {
    return insecure || config != null && Boolean.TRUE.equals(config.insecure());
  }

  /**
   * The link security of a role whose certificate must satisfy {@code expected} (described by
   * {@code what}, e.g. "agent vm-0042"), or plain text with a warning under --insecure.
   */
  LinkSecurity resolve(TlsConfig config, String what, Predicate<Identity> expected, Role role, String name) {
    Path certFile = cert != null ? cert : config != null && config.cert() != null ? Path.of(config.cert()) : null;
    Path keyFile = key != null ? key : config != null && config.key() != null ? Path.of(config.key()) : null;
    Path caFile = ca != null ? ca : config != null && config.ca() != null ? Path.of(config.ca()) : null;
    Path certsDir = dir != null ? dir : config != null && config.dir() != null ? Path.of(config.dir()) : null;
    if (certsDir != null && certFile == null && keyFile == null && caFile == null) {
      certFile = ownCertificate(certsDir, role, name);
      String file = certFile.getFileName().toString();
      keyFile = certsDir.resolve(file.substring(0, file.length() - ".crt".length()) + ".key");
      caFile = certsDir.resolve(CertificateAuthority.CERTIFICATE_FILE);
    }
    if (certFile == null && keyFile == null && caFile == null) {
      if (!insecure(config)) {
        throw new IllegalArgumentException("no TLS certificate: give --certs DIR, or --tls-cert, --tls-key and --tls-ca "
            + "(make them with 'shardbroker certs init' and 'shardbroker certs issue'), "
            + "or --insecure to run in plain text (trials only)");
      }
      log.warn("INSECURE: {} runs its gRPC links in plain text; anyone who reaches them can pose as "
          + "a VM, a broker or a concentrator", what);
      return LinkSecurity.PLAINTEXT;
    }
    if (certFile == null || keyFile == null || caFile == null) {
      throw new IllegalArgumentException("TLS needs all three of --tls-cert, --tls-key and --tls-ca");
    }
    TlsCredentials credentials = TlsCredentials.load(certFile, keyFile, caFile);
    Identity identity = credentials.identity();
    if (!expected.test(identity)) {
      throw new IllegalArgumentException(certFile + " is the certificate of " + identity + ", not of " + what);
    }
    return LinkSecurity.tls(credentials);
  }

  /**
   * {@code ROLE-NAME.crt} in {@code dir}; without a name (a broker, a fleet), the one
   * {@code ROLE-*.crt} there.
   */
  private static Path ownCertificate(Path dir, Role role, String name) {
    if (name != null) {
      return dir.resolve(role.label() + "-" + name + ".crt");
    }
    try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, role.label() + "-*.crt")) {
      List<Path> all = new ArrayList<>();
      found.forEach(all::add);
      if (all.size() != 1) {
        throw new IllegalArgumentException(dir + " holds " + all.size() + " " + role.label()
            + " certificates (" + role.label() + "-*.crt); name one with --tls-cert and --tls-key");
      }
      return all.get(0);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --certs " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A predicate for a certificate of {@code role} named {@code name}. */
  static Predicate<Identity> exactly(Role role, String name) {
    return id -> id.role() == role && id.names().equals(List.of(name));
  }
}
