package io.shardbroker.store;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks sign-in credentials against the store's users, for every broker that takes HTTP Basic
 * (shardbroker's and the benchmark's central-db baseline alike).
 *
 * <p>The store's check is a slow Argon2id hash on purpose, too slow to pay on every request of a
 * script or a portal. So a successful check is remembered for {@link #REMEMBER}: the cache keeps
 * an HMAC of the password under a key that lives only in this process's memory, never the
 * password. A password change, disable or delete made through this broker ({@link #forget}) takes
 * effect at once; one made through another broker takes effect here within {@link #REMEMBER}. Failures are
 * never cached: every wrong password costs a full hash.
 *
 * <p>Thread-safe.
 */
public final class Authenticator {

  public static final Duration REMEMBER = Duration.ofSeconds(30);
  private static final int MAX_REMEMBERED = 100_000;

  private record Remembered(byte[] mac, User user, long expiresAtMillis) {}

  private final AccountStore accounts;
  private final Clock clock;
  private final SecretKeySpec key;
  private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

  public Authenticator(AccountStore accounts, Clock clock) {
    this.accounts = accounts;
    this.clock = clock;
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** The signed-in user, or empty when the name or password is wrong or the user is disabled. */
  public Optional<User> authenticate(String name, String password) {
    if (name.isEmpty() || hasControlCharacter(name)) {
      return Optional.empty();  // no stored name has one; not worth a hash or a query
    }
    byte[] mac = mac(name, password);
    long now = clock.millis();
    Remembered known = remembered.get(name);
    if (known != null && known.expiresAtMillis() > now && MessageDigest.isEqual(known.mac(), mac)) {
      return Optional.of(known.user());
    }
    Optional<User> user = accounts.verify(name, password);
    if (user.isPresent()) {
      if (remembered.size() >= MAX_REMEMBERED) {
        remembered.clear();  // crude but bounded; a storm of distinct users re-hashes once
      }
      remembered.put(name, new Remembered(mac, user.get(), now + REMEMBER.toMillis()));
    } else {
      remembered.remove(name);
    }
    return user;
  }

  /** Forgets a user after a change to their account, so the change applies to the next request. */
  public void forget(String name) {
    remembered.remove(name);
  }

  private static boolean hasControlCharacter(String text) {
    return text.codePoints().anyMatch(Character::isISOControl);
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
