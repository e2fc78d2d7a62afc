package io.shardbroker.security;

/**
 * How a role protects its gRPC links: mutual TLS with its credentials, or plain text when it was
 * started with {@code --insecure} and given no certificate.
 *
 * @param credentials null for plain text
 */
public record LinkSecurity(TlsCredentials credentials) {

  public static final LinkSecurity PLAINTEXT = new LinkSecurity(null);

  public static LinkSecurity tls(TlsCredentials credentials) {
    return new LinkSecurity(credentials);
  }

  public boolean plaintext() {
    return credentials == null;
  }

  /** For start-up lines: {@code mutual TLS 1.3 as agent vm-0042} or {@code PLAIN TEXT}. */
  public String describe() {
    return plaintext() ? "PLAIN TEXT (--insecure)" : "mutual TLS 1.3 as " + credentials.identity();
  }
}
