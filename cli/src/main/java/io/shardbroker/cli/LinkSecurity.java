package io.shardbroker.cli;

import io.shardbroker.security.TlsCredentials;

/**
 * How a role process protects its gRPC links: mutual TLS with its credentials, or plain text when
 * it was started with {@code --insecure} and given no certificate.
 *
 * @param credentials null for plain text
 */
record LinkSecurity(TlsCredentials credentials) {

  static final LinkSecurity PLAINTEXT = new LinkSecurity(null);

  static LinkSecurity tls(TlsCredentials credentials) {
    return new LinkSecurity(credentials);
  }

  boolean plaintext() {
    return credentials == null;
  }

  /** For start-up lines: {@code TLS as agent vm-0042} or {@code PLAIN TEXT}. */
  String describe() {
    return plaintext() ? "PLAIN TEXT (--insecure)" : "mutual TLS 1.3 as " + credentials.identity();
  }
}
