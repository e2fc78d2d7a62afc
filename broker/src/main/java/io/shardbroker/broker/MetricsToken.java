package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer token {@code /metrics} asks for, when the deployment gives one ({@link
 * BrokerSecurity#metricsToken}; without one {@code /metrics} is open, as Prometheus scrapes it by
 * default). The metrics name pools and VMs, which an outsider has no business reading.
 *
 * <p>The comparison takes the same time whatever the presented token is: both sides are hashed to
 * SHA-256 and the digests compared with {@link MessageDigest#isEqual}, so neither a common prefix
 * nor the length shows in the timing. Immutable and thread-safe.
 */
public final class MetricsToken {

  /** Short tokens can be guessed; Prometheus's {@code bearer_token_file} takes any length. */
  public static final int MIN_LENGTH = 16;

  private static final String BEARER = "Bearer ";

  private final byte[] digest;

  /** @throws IllegalArgumentException for a token shorter than {@link #MIN_LENGTH} or with white space */
  public MetricsToken(String token) {
    if (token == null || token.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("the metrics token must be at least " + MIN_LENGTH + " characters, got "
          + (token == null ? "none" : token.length()));
    }
    if (token.codePoints().anyMatch(cp -> Character.isWhitespace(cp) || Character.isISOControl(cp))) {
      throw new IllegalArgumentException("the metrics token cannot contain white space or control characters");
    }
    this.digest = sha256(token);
  }

  /**
   * Passes a request whose {@code Authorization} header is {@code Bearer} and this token.
   *
   * @throws BrokerException UNAUTHORIZED otherwise
   */
  void check(String authorization) {
    String presented = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
        ? authorization.substring(BEARER.length()).strip() : "";
    if (!MessageDigest.isEqual(digest, sha256(presented))) {
      throw new BrokerException(Reason.UNAUTHORIZED, "/metrics needs the header Authorization: Bearer <token>"
          + " with the broker's metrics token");
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "MetricsToken[hidden]";
  }
}
