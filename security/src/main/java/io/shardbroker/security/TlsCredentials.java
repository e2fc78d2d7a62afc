package io.shardbroker.security;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What one role process shows and trusts on its TLS links: its private key, its certificate (with
 * any intermediates after it), and the certificate of the private CA whose certificates it trusts
 * — that CA alone, not the system's public ones.
 */
public record TlsCredentials(PrivateKey key, List<X509Certificate> chain, X509Certificate authority) {

  public TlsCredentials {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("TLS credentials need a certificate");
    }
  }

  /** This process's own identity, from its certificate. */
  public Identity identity() {
    return Identity.of(chain.get(0));
  }

  /**
   * Reads PEM files: the certificate (chain), its PKCS#8 private key, and the CA certificate.
   * Checks that they belong together, so that a mix-up fails at start, not at the first call.
   */
  public static TlsCredentials load(Path certificate, Path key, Path authority) {
    List<X509Certificate> chain = Pem.readCertificates(certificate);
    PrivateKey privateKey = Pem.readPrivateKey(key);
    X509Certificate ca = Pem.readCertificates(authority).get(0);
    TlsCredentials credentials = new TlsCredentials(privateKey, chain, ca);
    try {
      for (int i = 0; i < chain.size(); i++) {
        chain.get(i).verify((i + 1 < chain.size() ? chain.get(i + 1) : ca).getPublicKey());
      }
    } catch (Exception e) {
      throw new IllegalArgumentException(certificate + " was not issued by the CA in " + authority);
    }
    if (!Keys.match(privateKey, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException(key + " is not the private key of the certificate in " + certificate);
    }
    credentials.identity();  // a certificate without a shardbroker identity fails here
    return credentials;
  }

  /** Writes the certificate and key as PEM files next to each other; refuses to overwrite. */
  public void save(Path certificate, Path key) {
    Pem.writePrivate(key, Pem.privateKey(this.key));
    Pem.writePublic(certificate, Pem.certificates(chain));
  }
}
