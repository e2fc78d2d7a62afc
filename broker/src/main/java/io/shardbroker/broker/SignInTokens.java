package io.shardbroker.broker;

import io.shardbroker.store.SecurityStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived bearer tokens for the web portal: {@code sbt2.<payload>.<mac>}, where the payload
 * (base64url) is the token id, the issue time in epoch microseconds, the expiry in epoch seconds
 * and the user name, and the MAC is an HMAC-SHA256 of it under a key every broker of the store
 * shares (so any of them takes a token any of them issued). A token is good until it expires or is
 * revoked at sign-out; nothing in it is secret, and it cannot be changed without the key.
 * Thread-safe.
 *
 * <p>The issue time is what lets one change end all of a user's tokens at once: {@link
 * SignInApi#verifiedToken} refuses a token issued before the user's {@link
 * io.shardbroker.store.AccountStore#tokensValidAfter}. ({@code sbt1.} tokens, which lack it, are
 * refused: after an upgrade, users sign in again.)
 */
final class SignInTokens {

  static final String PREFIX = "sbt2.";
  private static final String SECRET_NAME = "sign-in-tokens";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();

  /** A token, verified or just issued. */
  record Token(String value, String id, String user, Instant issuedAt, Instant expiresAt) {}

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
    // Microseconds, as the store keeps the instants a token's issue time is compared with.
    Instant issued = clock.instant().truncatedTo(ChronoUnit.MICROS);
    Instant expires = issued.plus(policy.tokenLifetime()).truncatedTo(ChronoUnit.SECONDS);
    String payload = B64.encodeToString((tokenId + "|" + micros(issued) + "|" + expires.getEpochSecond() + "|" + user)
        .getBytes(StandardCharsets.UTF_8));
    return new Token(PREFIX + payload + "." + B64.encodeToString(mac(payload)), tokenId, user, issued, expires);
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
      fields = new String(B64_DECODE.decode(payload), StandardCharsets.UTF_8).split("\\|", 4);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!MessageDigest.isEqual(mac(payload), given) || fields.length != 4) {
      return Optional.empty();
    }
    Instant issued;
    Instant expires;
    try {
      long micros = Long.parseLong(fields[1]);
      issued = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
      expires = Instant.ofEpochSecond(Long.parseLong(fields[2]));
    } catch (NumberFormatException | DateTimeException e) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(expires) || store.tokenRevoked(fields[0])) {
      return Optional.empty();
    }
    return Optional.of(new Token(value, fields[0], fields[3], issued, expires));
  }

  /** Ends {@code token} now, at every broker of the store. */
  void revoke(Token token) {
    store.revokeToken(token.id(), token.expiresAt());
  }

  private static long micros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
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
