package io.shardbroker.store;

/**
 * Argon2id cost of new password hashes. Each hash records its own cost, so raising it later
 * does not lock anyone out.
 *
 * @param memoryKiB memory per hash
 * @param iterations passes over it
 * @param parallelism lanes
 */
public record PasswordHashing(int memoryKiB, int iterations, int parallelism) {

  /** OWASP's recommendation for Argon2id (19 MiB, 2 passes, 1 lane): tens of milliseconds a hash. */
  public static final PasswordHashing DEFAULT = new PasswordHashing(19 * 1024, 2, 1);

  /** Argon2id's lowest sane cost, for tests and simulations that create thousands of users. */
  public static final PasswordHashing FAST = new PasswordHashing(1024, 1, 1);

  public PasswordHashing {
    if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
      throw new IllegalArgumentException("password hash memory must be " + 8 * parallelism
          + " KiB..4 GiB, got " + memoryKiB + " KiB");
    }
    if (iterations < 1 || iterations > 100) {
      throw new IllegalArgumentException("password hash iterations must be 1..100, got " + iterations);
    }
    if (parallelism < 1 || parallelism > 16) {
      throw new IllegalArgumentException("password hash parallelism must be 1..16, got " + parallelism);
    }
  }
}
