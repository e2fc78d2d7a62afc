package io.shardbroker.broker;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The certificate the broker's HTTP API shows to browsers and scripts: usually one of a public or
 * company CA for the name users type, not one of shardbroker's private CA.
 *
 * @param chain the server certificate first, then any intermediates
 */
public record HttpsCertificate(PrivateKey key, List<X509Certificate> chain) {

  public HttpsCertificate {
    chain = List.copyOf(chain);
    if (key == null || chain.isEmpty()) {
      throw new IllegalArgumentException("an HTTPS certificate needs a private key and a certificate");
    }
  }

  /** A server-side TLS context (TLS 1.2 and 1.3, as browsers expect) with this certificate. */
  SSLContext sslContext() {
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("https", key, password, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, new SecureRandom());
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("cannot use the HTTPS certificate "
          + chain.get(0).getSubjectX500Principal() + ": " + e.getMessage(), e);
    }
  }
}
