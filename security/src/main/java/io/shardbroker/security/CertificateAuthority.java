package io.shardbroker.security;

import io.shardbroker.protocol.Names;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The private certificate authority of one shardbroker deployment: it alone makes the
 * certificates that every role shows on its gRPC links, and every role trusts it alone.
 *
 * <p>Certificates name their holder's {@link Identity} in a URI subject alternative name;
 * concentrator certificates also name the hosts agents and brokers dial, which TLS clients check.
 * All keys are ECDSA P-256. Validity starts five minutes back, so a peer whose clock is a little
 * behind still accepts a fresh certificate.
 *
 * <p>On disk a CA is {@code ca.crt} and {@code ca.key} in one directory. Whoever reads
 * {@code ca.key} can make any identity: keep it off the role hosts.
 */
public final class CertificateAuthority {

  public static final String CERTIFICATE_FILE = "ca.crt";
  public static final String KEY_FILE = "ca.key";
  /** How long the CA's own certificate lasts. */
  public static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
  /** How long a role's certificate lasts unless said otherwise. */
  public static final Duration VALIDITY_DEFAULT = Duration.ofDays(365);

  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final X509Certificate root;  // the same as certificate, but for an enroller
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private CertificateAuthority(X509Certificate certificate, PrivateKey key, X509Certificate root, Clock clock) {
    this.certificate = certificate;
    this.key = key;
    this.root = root;
    this.clock = clock;
  }

  /** Makes a new CA called {@code name}, valid from now by {@code clock}. */
  public static CertificateAuthority create(String name, Clock clock) {
    KeyPair pair = Keys.generate();
    Instant now = clock.instant();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "shardbroker").addRDN(BCStyle.CN, name).build();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(new SecureRandom()),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(AUTHORITY_VALIDITY)), subject, pair.getPublic())
          // path length 1: room for enrollers (issueEnroller), which issue agents' certificates only
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(1))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate root = sign(builder, pair.getPrivate());
      return new CertificateAuthority(root, pair.getPrivate(), root, clock);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot make a CA certificate", e);
    }
  }

  /** Reads the CA in {@code directory} ({@code ca.crt}, {@code ca.key}). */
  public static CertificateAuthority load(Path directory, Clock clock) {
    Path certificateFile = directory.resolve(CERTIFICATE_FILE);
    Path keyFile = directory.resolve(KEY_FILE);
    if (!Files.exists(keyFile)) {
      throw new IllegalArgumentException("no CA in " + directory + ": " + keyFile
          + " is missing (make one with 'shardbroker certs init --dir " + directory + "')");
    }
    X509Certificate certificate = Pem.readCertificates(certificateFile).get(0);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    if (!Keys.match(key, certificate.getPublicKey())) {
      throw new IllegalArgumentException(keyFile + " is not the key of " + certificateFile);
    }
    return new CertificateAuthority(certificate, key, certificate, clock);
  }

  /**
   * An enroller: a CA under this one, for the brokers that enroll agents. Peers accept a
   * certificate an enroller issued only as an agent's (see {@code PeerTrust}), so a broker that
   * holds an enroller's key can mint agents, never brokers or concentrators.
   */
  public TlsCredentials issueEnroller(String name, Duration validity) {
    if (certificate != root) {
      throw new IllegalStateException("an enroller cannot make enrollers");
    }
    Names.require("an enroller's name", name);
    KeyPair pair = Keys.generate();
    Instant now = clock.instant();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "shardbroker").addRDN(BCStyle.OU, "enroller").addRDN(BCStyle.CN, name).build();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      return new TlsCredentials(pair.getPrivate(), List.of(sign(builder, key)), root);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot make the enroller " + name, e);
    }
  }

  /** The enroller whose key and certificate {@code enroller} holds (from {@link #issueEnroller}). */
  public static CertificateAuthority enroller(TlsCredentials enroller, Clock clock) {
    X509Certificate certificate = enroller.chain().get(0);
    if (certificate.getBasicConstraints() < 0 || certificate.equals(enroller.authority())) {
      throw new IllegalArgumentException("'" + certificate.getSubjectX500Principal().getName()
          + "' is not an enroller's certificate (make one with 'shardbroker certs issue --enroller')");
    }
    return new CertificateAuthority(certificate, enroller.key(), enroller.authority(), clock);
  }

  /** Writes {@code ca.crt} and {@code ca.key} (owner-only) into {@code directory}; never overwrites. */
  public void save(Path directory) {
    Pem.writePrivate(directory.resolve(KEY_FILE), Pem.privateKey(key));
    Pem.writePublic(directory.resolve(CERTIFICATE_FILE), Pem.certificates(List.of(certificate)));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The root CA's certificate, which every role trusts: this CA's own, unless it is an enroller. */
  public X509Certificate root() {
    return root;
  }

  /**
   * What a holder of {@code issued} shows: the certificate, then this CA's when it is an enroller
   * (peers know the root only).
   */
  public List<X509Certificate> chain(X509Certificate issued) {
    return certificate == root ? List.of(issued) : List.of(issued, certificate);
  }

  /**
   * Certifies the key in a PEM certificate request (PKCS#10) as the agent of {@code vmId}, for
   * {@code validity} from now: agent enrollment, where the private key never leaves the VM. The
   * request's signature proves that its sender holds the key; its subject is ignored.
   *
   * @return the certificate chain to give the agent
   */
  public List<X509Certificate> certifyAgent(String vmId, String requestPem, Duration validity) {
    PublicKey publicKey = CertificateRequests.verifiedKey(requestPem);
    Instant now = clock.instant();
    return chain(sign(Identity.of(Role.AGENT, vmId), publicKey, List.of(), now.minus(BACKDATE), now.plus(validity)));
  }

  /**
   * Makes a key pair and a certificate for {@code identity}, valid from now for {@code validity}.
   *
   * @param hosts DNS names and IP addresses clients dial; only concentrators need them
   */
  public TlsCredentials issue(Identity identity, List<String> hosts, Duration validity) {
    KeyPair pair = Keys.generate();
    Instant now = clock.instant();
    X509Certificate issued = sign(identity, pair.getPublic(), hosts, now.minus(BACKDATE), now.plus(validity));
    return new TlsCredentials(pair.getPrivate(), chain(issued), root);
  }

  /**
   * Makes a key pair and a TLS server certificate for a broker's HTTP API at {@code hosts}. It
   * carries no shardbroker identity: browsers trust it only when told to trust this CA, so
   * production brokers usually show one of a public or company CA instead.
   */
  public TlsCredentials issueWebServer(List<String> hosts, Duration validity) {
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("an HTTPS certificate needs the host names users type");
    }
    KeyPair pair = Keys.generate();
    Instant now = clock.instant();
    X509Certificate issued = certify(hosts.get(0), "https", List.of(), hosts,
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}, pair.getPublic(),
        now.minus(BACKDATE), now.plus(validity));
    return new TlsCredentials(pair.getPrivate(), List.of(issued), root);
  }

  /**
   * Certifies {@code publicKey}, whose private half stays with its holder (agent enrollment), as
   * {@code identity}, for the given window.
   */
  public X509Certificate sign(Identity identity, PublicKey publicKey, List<String> hosts,
      Instant notBefore, Instant notAfter) {
    if (identity.role().server() && hosts.isEmpty()) {
      throw new IllegalArgumentException("a " + identity.role().label()
          + " certificate needs the host names or addresses clients dial it by");
    }
    return certify(identity.name(), identity.role().label(), identity.uris(), hosts, purposes(identity.role()),
        publicKey, notBefore, notAfter);
  }

  /**
   * What a role's certificate may be used for: servers serve, clients dial. An agent does both: it
   * dials its concentrators and serves its display relay to brokers.
   */
  private static KeyPurposeId[] purposes(Role role) {
    if (role == Role.AGENT) {
      return new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth};
    }
    return new KeyPurposeId[] {role.server() ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth};
  }

  private X509Certificate certify(String commonName, String unit, List<URI> uris, List<String> hosts,
      KeyPurposeId[] purposes, PublicKey publicKey, Instant notBefore, Instant notAfter) {
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("a certificate must end after it starts");
    }
    List<GeneralName> names = new ArrayList<>();
    for (URI uri : uris) {
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri.toString()));
    }
    for (String host : hosts) {
      names.add(new GeneralName(IP_LITERAL.matcher(host).matches() ? GeneralName.iPAddress : GeneralName.dNSName, host));
    }
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "shardbroker").addRDN(BCStyle.OU, unit).addRDN(BCStyle.CN, commonName).build();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
          Date.from(notBefore), Date.from(notAfter), subject, publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      return sign(builder, key);
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue a certificate for " + unit + " " + commonName, e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signingKey)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("no " + SIGNATURE + " signer", e);
    }
  }

  /** A positive 127-bit random serial, as CAs are expected to use. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE);
  }
}
