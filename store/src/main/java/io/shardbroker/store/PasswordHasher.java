package io.shardbroker.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, unpadded base64), so each hash carries
 * the cost it was made with and a later change of {@link PasswordHashing} locks nobody out.
 *
 * <p>Thread-safe. Checking an unknown user's password costs one hash of a dummy, and so does
 * checking against a stored value that is no hash (such as {@link #DIRECTORY_USER}), so the time
 * a check takes does not tell whether the user exists or how they sign in.
 */
final class PasswordHasher {
  /**
   * What the store keeps in place of a password hash for a user who signs in through a {@link
   * Directory}: not a hash, so no password matches it.
   */
  static final String DIRECTORY_USER = "!directory";

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final Pattern PHC = Pattern.compile(
      "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

  private final PasswordHashing cost;
  private final SecureRandom random = new SecureRandom();
  private final String dummy;

  PasswordHasher(PasswordHashing cost) {
    this.cost = cost;
    byte[] noOnesPassword = new byte[24];
    random.nextBytes(noOnesPassword);
    this.dummy = hash(B64.encodeToString(noOnesPassword));
  }

  /** A new salted hash of {@code password} at the configured cost. */
  String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = argon2(password, salt, cost, HASH_BYTES);
    return String.format("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", cost.memoryKiB(), cost.iterations(),
        cost.parallelism(), B64.encodeToString(salt), B64.encodeToString(hash));
  }

  /**
   * True when {@code password} is the one {@code stored} was made from. False for anything that is
   * not a hash (malformed, or {@link #DIRECTORY_USER}), after as long as a real check takes.
   */
  boolean matches(String password, String stored) {
    Matcher m = stored == null ? null : PHC.matcher(stored);
    if (m == null || !m.matches()) {
      return matchesNobody(password);
    }
    PasswordHashing storedCost;
    byte[] salt;
    byte[] expected;
    try {
      storedCost = new PasswordHashing(
          Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
      salt = B64_DECODER.decode(m.group(4));
      expected = B64_DECODER.decode(m.group(5));
    } catch (IllegalArgumentException e) {
      return matchesNobody(password);
    }
    if (salt.length < 8 || expected.length < 16) {
      return matchesNobody(password);
    }
    return MessageDigest.isEqual(expected, argon2(password, salt, storedCost, expected.length));
  }

  /** Spends the time of a check against nobody's hash; the answer is always false. */
  boolean matchesNobody(String password) {
    matches(password, dummy);
    return false;
  }

  private static byte[] argon2(String password, byte[] salt, PasswordHashing cost, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(cost.memoryKiB())
        .withIterations(cost.iterations())
        .withParallelism(cost.parallelism())
        .withSalt(salt)
        .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] secret = password.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[length];
    try {
      generator.generateBytes(secret, out);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    return out;
  }
}
