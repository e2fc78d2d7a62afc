package io.shardbroker.security;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * JDK {@link SSLContext}s for shardbroker's links that are not gRPC (the display relay between a
 * broker and an agent), with the same rules as {@link GrpcTls}: TLS 1.3 only, a certificate of
 * the private CA on both sides, and the peer's certificate naming one of the expected roles.
 */
public final class JsseTls {

  private static final String TLS_1_3 = "TLSv1.3";

  private JsseTls() {}

  /**
   * A context that shows {@code credentials} and trusts a peer of one of {@code peers}; give its
   * sockets {@link #parameters}.
   */
  public static SSLContext context(TlsCredentials credentials, Set<Role> peers) {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      char[] noPassword = new char[0];
      keys.setKeyEntry("self", credentials.key(), noPassword, credentials.chain().toArray(Certificate[]::new));
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keys, noPassword);
      SSLContext context = SSLContext.getInstance(TLS_1_3);
      context.init(keyManagers.getKeyManagers(),
          new TrustManager[] {new PeerTrust(credentials.authority(), peers)}, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot set up TLS for " + credentials.identity(), e);
    }
  }

  /** Parameters for a socket of {@code context}: TLS 1.3 only, and for servers a client certificate required. */
  public static SSLParameters parameters(SSLContext context, boolean requireClientCertificate) {
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(new String[] {TLS_1_3});
    parameters.setNeedClientAuth(requireClientCertificate);
    return parameters;
  }
}
