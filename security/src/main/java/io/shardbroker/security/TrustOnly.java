package io.shardbroker.security;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS client contexts that trust one CA and nothing else, for HTTPS to a broker with a private certificate. */
public final class TrustOnly {

  private TrustOnly() {}

  /** A client context that accepts only servers whose chain ends at {@code authority}. */
  public static SSLContext sslContext(X509Certificate authority) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory(authority).getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot trust " + authority.getSubjectX500Principal() + ": " + e.getMessage(), e);
    }
  }

  /** The JDK's PKIX trust managers with {@code authority} as their only anchor. */
  static TrustManagerFactory factory(X509Certificate authority) throws GeneralSecurityException {
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      anchors.setCertificateEntry("shardbroker-ca", authority);
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(anchors);
      return factory;
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
