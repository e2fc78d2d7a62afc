package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks sign-in credentials against the store's users, and against a {@link Directory} when
 * the broker has one, for every broker that takes HTTP Basic (shardbroker's and the benchmark's
 * central-db baseline alike).
 *
 * <p>Where a password is checked: a name with a local password ({@link
 * AccountStore#hasLocalPassword}) is checked here only, even when the directory knows the same
 * name with another password, so a local admin keeps working whatever the directory says. Any
 * other name goes to the directory; a user it confirms is created or brought in step in the store
 * ({@link AccountStore#syncDirectoryUser}, audited as {@code provisioner}) before being signed in,
 * and refused if an admin disabled them here. A directory that cannot answer throws {@link
 * StoreException.Kind#DIRECTORY_UNAVAILABLE} rather than refusing: an outage is not a wrong password. (So
 * with a directory, how long a refusal takes tells a local name, one hash, from another, a round
 * trip to the directory; it does not tell a wrong password from an unknown name.)
 *
 * <p>The store's check is a slow Argon2id hash on purpose, too slow to pay on every request of a
 * script or a portal. So a successful check is remembered for {@link #REMEMBER}: the cache keeps
 * an HMAC of the password under a key that lives only in this process's memory, never the
 * password. A password change, disable or delete made through this broker ({@link #forget}) takes
 * effect at once; one made through another broker, or in the directory (a password, a group),
 * takes effect here within {@link #REMEMBER}. Failures are never cached: every wrong password
 * costs a full hash, or a round trip to the directory.
 *
 * <p>Thread-safe.
 */
public final class Authenticator {

  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  public static final Duration REMEMBER = Duration.ofSeconds(30);
  private static final int MAX_REMEMBERED = 100_000;

  private record Remembered(byte[] mac, User user, long expiresAtMillis) {}

  private final AccountStore accounts;
  private final Directory directory;
  private final Actor provisioner;
  private final Clock clock;
  private final SecretKeySpec key;
  private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

  /** Signs in the store's local users only. */
  public Authenticator(AccountStore accounts, Clock clock) {
    this(accounts, Directory.NONE, new Actor("directory", null), clock);
  }

  /**
   * Signs in local users, and the users of {@code directory}, who are kept in the store as
   * {@code provisioner} (for the audit log; for example {@code new Actor("directory", brokerId)}).
   */
  public Authenticator(AccountStore accounts, Directory directory, Actor provisioner, Clock clock) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.directory = Objects.requireNonNull(directory, "directory");
    this.provisioner = Inputs.actor(provisioner);
    this.clock = Objects.requireNonNull(clock, "clock");
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /**
   * The signed-in user, or empty when the name or password is wrong or the user is disabled.
   *
   * @throws StoreException UNAVAILABLE when the store or the directory cannot answer
   */
  public Optional<User> authenticate(String name, String password) {
    if (name.isEmpty() || hasControlCharacter(name)) {
      return Optional.empty();  // no stored name has one; not worth a hash or a query
    }
    Optional<User> known = remembered(name, password);
    if (known.isPresent()) {
      return known;
    }
    Optional<User> user = check(name, password);
    if (user.isPresent()) {
      if (remembered.size() >= MAX_REMEMBERED) {
        remembered.clear();  // crude but bounded; a storm of distinct users re-hashes once
      }
      remembered.put(name, new Remembered(mac(name, password), user.get(), clock.millis() + REMEMBER.toMillis()));
    } else {
      remembered.remove(name);
    }
    return user;
  }

  /**
   * The user, when this very name and password were checked right within the last {@link #REMEMBER};
   * otherwise empty, which says nothing about the password. Costs an HMAC, never a hash or a query,
   * so a caller that bounds the expensive checks can let these through.
   */
  public Optional<User> remembered(String name, String password) {
    Remembered known = remembered.get(name);
    if (known != null && known.expiresAtMillis() > clock.millis()
        && MessageDigest.isEqual(known.mac(), mac(name, password))) {
      return Optional.of(known.user());
    }
    return Optional.empty();
  }

  /** The local check for local users (and for all without a directory), else the directory's. */
  private Optional<User> check(String name, String password) {
    if (directory == Directory.NONE || accounts.hasLocalPassword(name)) {
      return accounts.verify(name, password);
    }
    Optional<DirectoryUser> found = directory.authenticate(name, password);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    User user;
    try {
      user = accounts.syncDirectoryUser(found.get(), provisioner);
    } catch (StoreException e) {
      if (e.kind() != Reason.CONFLICT && e.kind() != Reason.BAD_REQUEST) {
        throw e;
      }
      // A local user of the directory's name for this one (created meanwhile, or one that differs
      // only in case from what was typed), or a name the store cannot take.
      log.warn("directory user {} refused at sign-in, not brought into the store: {}",
          Inputs.quote(found.get().name()), e.getMessage());
      return Optional.empty();
    }
    return user.enabled() ? Optional.of(user) : Optional.empty();
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
