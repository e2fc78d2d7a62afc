package io.shardbroker.broker;

import io.shardbroker.store.SecurityStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived bearer tokens for the web portal: {@code sbt1.<payload>.<mac>}, where the payload
 * (base64url) is the token id, the expiry in epoch seconds and the user name, and the MAC is an
 * HMAC-SHA256 of it under a key every broker of the store shares (so any of them takes a token any
 * of them issued). A token is good until it expires or is revoked at sign-out; nothing in it is
 * secret, and it cannot be changed without the key. Thread-safe.
 */
final class SignInTokens {

  static final String PREFIX = "sbt1.";
  private static final String SECRET_NAME = "sign-in-tokens";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();

  /** A token, verified or just issued. */
  record Token(String value, String id, String user, Instant expiresAt) {}

  private final SecurityStore store;
  private final SignInPolicy policy;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private volatile SecretKeySpec key;

  SignInTokens(SecurityStore store, SignInPolicy policy, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.clock = clock;
  }

  Token issue(String user) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    String tokenId = HexFormat.of().formatHex(id);  // letters and digits only: the store's id rule
    Instant expires = clock.instant().plus(policy.tokenLifetime()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String payload = B64.encodeToString((tokenId + "|" + expires.getEpochSecond() + "|" + user)
        .getBytes(StandardCharsets.UTF_8));
    return new Token(PREFIX + payload + "." + B64.encodeToString(mac(payload)), tokenId, user, expires);
  }

  /** The token {@code value} stands for, if it is well-formed, signed by the key, unexpired and not revoked. */
  Optional<Token> verify(String value) {
    if (value == null || !value.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = value.substring(PREFIX.length());
    int dot = rest.indexOf('.');
    if (dot < 0) {
      return Optional.empty();
    }
    String payload = rest.substring(0, dot);
    byte[] given;
    String[] fields;
    try {
      given = B64_DECODE.decode(rest.substring(dot + 1));
      fields = new String(B64_DECODE.decode(payload), StandardCharsets.UTF_8).split("\\|", 3);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(mac(payload), given) || fields.length != 3) {
      return Optional.empty();
    }
    Instant expires;
    try {
      expires = Instant.ofEpochSecond(Long.parseLong(fields[1]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(expires) || store.tokenRevoked(fields[0])) {
      return Optional.empty();
    }
    return Optional.of(new Token(value, fields[0], fields[2], expires));
  }

  /** Ends {@code token} now, at every broker of the store. */
  void revoke(Token token) {
    store.revokeToken(token.id(), token.expiresAt());
  }

  private byte[] mac(String payload) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(key());
      return hmac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  private SecretKeySpec key() {
    SecretKeySpec k = key;
    if (k == null) {
      k = new SecretKeySpec(store.sharedSecret(SECRET_NAME), "HmacSHA256");
      key = k;
    }
    return k;
  }
}
