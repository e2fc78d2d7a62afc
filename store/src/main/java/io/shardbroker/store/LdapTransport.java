package io.shardbroker.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the broker protects its link to the LDAP directory, which carries users' passwords. With
 * {@code ldaps://} the link is TLS from the start; with {@code ldap://} it must be upgraded by
 * StartTLS before any bind ({@code startTls}), or be declared {@code insecure} (trials only:
 * passwords then cross the network readable). {@link LdapSettings} refuses any other combination.
 *
 * @param startTls upgrade an {@code ldap://} link to TLS (StartTLS, RFC 4513) before anything
 *     else is sent; the server's certificate is checked as for {@code ldaps://}
 * @param caFile a PEM file of the CA certificates to trust for the directory's certificate
 *     (instead of the JDK's default trust store); null for the JDK's
 * @param insecure allow {@code ldap://} without StartTLS; a warning is logged at start
 */
public record LdapTransport(boolean startTls, Path caFile, boolean insecure) {

  /** TLS as the URL says ({@code ldaps://} only), trusting the JDK's default trust store. */
  public static final LdapTransport DEFAULT = new LdapTransport(false, null, false);
  /** Plain {@code ldap://} allowed: for tests and trials. */
  public static final LdapTransport INSECURE = new LdapTransport(false, null, true);

  /**
   * The TLS context that trusts {@link #caFile}, or the JDK's default one.
   *
   * @throws IllegalArgumentException when the file cannot be read or holds no certificate
   */
  SSLContext sslContext() {
    try {
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate certificate : readCertificates(caFile)) {
        trusted.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("ldap caFile " + caFile + " cannot be used (" + e.getMessage() + ")", e);
    }
  }

  private static Collection<? extends Certificate> readCertificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("ldap caFile " + file + " holds no PEM certificate");
      }
      return certificates;
    }
  }
}
