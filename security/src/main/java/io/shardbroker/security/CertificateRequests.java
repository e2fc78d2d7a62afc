package io.shardbroker.security;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 certificate requests, the way an agent asks for its certificate at enrollment without
 * its private key ever leaving the VM: it makes a key pair, signs a request with it, and sends
 * only the request.
 */
public final class CertificateRequests {

  private static final String TYPE = "CERTIFICATE REQUEST";

  private CertificateRequests() {}

  /** A new P-256 key pair for an agent. */
  public static KeyPair newKeyPair() {
    return Keys.generate();
  }

  /** A PEM request for {@code pair}'s public key, signed with its private key. */
  public static String create(KeyPair pair, String vmId) {
    try {
      var request = new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=" + vmId + ",OU=agent,O=shardbroker"),
          pair.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      return Pem.block(TYPE, request.getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate request", e);
    }
  }

  /**
   * The public key of a PEM request whose signature that key verifies (so its sender holds the
   * private key), and which is an EC key like every shardbroker key.
   *
   * @throws IllegalArgumentException for anything else, saying what is wrong
   */
  static PublicKey verifiedKey(String pem) {
    List<byte[]> blocks = Pem.blocks(pem == null ? "" : pem, TYPE);
    if (blocks.size() != 1) {
      throw new IllegalArgumentException("expected one PEM certificate request (-----BEGIN " + TYPE + "-----)");
    }
    try {
      JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(blocks.get(0));
      PublicKey key = request.getPublicKey();
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("the certificate request is not signed by its own key");
      }
      if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() < 256) {
        throw new IllegalArgumentException("the certificate request's key must be an EC key of 256 bits or more");
      }
      return key;
    } catch (IOException | IllegalStateException | GeneralSecurityException | OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException("not a valid certificate request: " + e.getMessage());
    }
  }
}
