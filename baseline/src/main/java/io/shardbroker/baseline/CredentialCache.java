package io.shardbroker.baseline;

import io.shardbroker.store.AccountStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HTTP Basic credentials checked against the store's users, the way the sharded broker checks
 * them, so both designs pay the same for sign-in: the store's check is a deliberately slow hash,
 * so a success is remembered for {@link #REMEMBER}. What is remembered is an HMAC of name and
 * password under a key that exists only in this process's memory, never the password. Failures are
 * never remembered.
 *
 * <p>Thread-safe.
 */
final class CredentialCache {

  static final Duration REMEMBER = Duration.ofSeconds(30);
  private static final int MAX_REMEMBERED = 100_000;

  private record Remembered(byte[] mac, long expiresAtMillis) {}

  private final AccountStore accounts;
  private final Clock clock;
  private final SecretKeySpec key;
  private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

  CredentialCache(AccountStore accounts, Clock clock) {
    this.accounts = accounts;
    this.clock = clock;
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** True when the user exists, is enabled and the password is theirs. */
  boolean check(String name, String password) {
    if (name.isEmpty() || name.codePoints().anyMatch(Character::isISOControl)) {
      return false;  // no stored name has one: not worth a hash
    }
    byte[] mac = mac(name, password);
    long now = clock.millis();
    Remembered known = remembered.get(name);
    if (known != null && known.expiresAtMillis() > now && MessageDigest.isEqual(known.mac(), mac)) {
      return true;
    }
    boolean valid = accounts.verify(name, password).isPresent();
    if (valid) {
      if (remembered.size() >= MAX_REMEMBERED) {
        remembered.clear();  // crude but bounded; a storm of distinct users re-hashes once
      }
      remembered.put(name, new Remembered(mac, now + REMEMBER.toMillis()));
    } else {
      remembered.remove(name);
    }
    return valid;
  }

  private byte[] mac(String name, String password) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(key);
      hmac.update(name.getBytes(StandardCharsets.UTF_8));
      hmac.update((byte) 0);
      return hmac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }
}
