package io.shardbroker.security;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a TLS peer when the private CA issued its certificate (checked by the JDK's PKIX
 * validator: signature, validity, key usage, and for servers the host name dialled) <em>and</em>
 * the certificate names one of the roles expected on this link. So a broker's certificate cannot
 * serve as a concentrator, nor an agent's be taken for a broker's.
 * A certificate not issued by the root itself (but by an enroller under it) is taken only as an
 * agent's.
 */
final class PeerTrust extends X509ExtendedTrustManager {

  private final X509ExtendedTrustManager pkix;
  private final X509Certificate authority;
  private final Set<Role> expected;

  PeerTrust(X509Certificate authority, Set<Role> expected) {
    this.pkix = pkixTrusting(authority);
    this.authority = authority;
    this.expected = Set.copyOf(expected);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkClientTrusted(chain, authType);
    checkRole(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkClientTrusted(chain, authType, socket);
    checkRole(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkClientTrusted(chain, authType, engine);
    checkRole(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
    checkRole(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, socket);
    checkRole(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, engine);
    checkRole(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }

  private void checkRole(X509Certificate[] chain) throws CertificateException {
    Identity peer;
    try {
      peer = Identity.of(chain[0]);
    } catch (IllegalArgumentException e) {
      throw new CertificateException(e.getMessage());
    }
    if (!expected.contains(peer.role())) {
      throw new CertificateException("peer is " + peer + "; only " + labels(expected) + " may be on this link");
    }
    // An enroller, under the root, issues agents' certificates only: whoever holds its key (a
    // broker) must not be able to make a broker or a concentrator.
    if (!chain[0].getIssuerX500Principal().equals(authority.getSubjectX500Principal()) && peer.role() != Role.AGENT) {
      throw new CertificateException("peer is " + peer + " with a certificate of an enroller, which may certify agents only");
    }
  }

  private static String labels(Set<Role> roles) {
    return roles.stream().map(Role::label).sorted().collect(Collectors.joining(" or "));
  }

  private static X509ExtendedTrustManager pkixTrusting(X509Certificate authority) {
    try {
      for (TrustManager tm : TrustOnly.factory(authority).getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK's PKIX trust manager factory made no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up trust in the CA " + authority.getSubjectX500Principal(), e);
    }
  }
}
