package io.shardbroker.broker;

import java.time.Duration;

/**
 * How long sign-in tokens last, how repeated failed sign-ins are slowed and then locked (per user
 * name and source address and, with more room because offices share addresses, per source
 * address; see {@link SignInThrottle}), and how many passwords are checked at once.
 *
 * @param tokenLifetime how long a token from {@code POST /api/v1/auth/login} is good
 * @param userFreeFailures failures of one user name from one address before each further one makes
 *     that pair wait
 * @param userLockAfter failures of one user name from one address that lock the pair for
 *     {@code lockFor}; as many of one name from all addresses together make each further failure
 *     of it lock its pair at once
 * @param addressFreeFailures the same, per source address
 * @param addressLockAfter the same, per source address
 * @param firstDelay the wait after the first failure past the free ones; it doubles with each
 * @param lockFor how long a lock lasts, and how long failures are remembered
 * @param maxPasswordChecks passwords checked at once (each an Argon2 hash of {@code memoryKiB},
 *     19 MiB by default, or a directory's bind). Default: the processors, at most {@value
 *     #MAX_PASSWORD_CHECKS_DEFAULT_CAP}
 * @param passwordCheckQueue sign-ins that may wait in line for a check when all are busy (they hold
 *     no hash memory while they wait); one more is answered {@code 503 overloaded} at once. So a
 *     burst of sign-ins (a class logging on at 9:00) is served in turn, and a flood is refused
 *     fast. Default: {@value #QUEUE_PER_CHECK} per check
 * @param notice plain text the portal shows above its sign-in form, such as a legal notice or
 *     where to get help (Horizon's "pre-login message"); empty for none
 */
public record SignInPolicy(
    Duration tokenLifetime,
    int userFreeFailures, int userLockAfter,
    int addressFreeFailures, int addressLockAfter,
    Duration firstDelay, Duration lockFor,
    int maxPasswordChecks,
    int passwordCheckQueue,
    String notice) {

  /** The longest notice: a few paragraphs, not a document. */
  public static final int NOTICE_MAX = 2_000;

  /**
   * The most hashes at once by default, whatever the processors: 16 of 19 MiB each take 304 MiB of
   * heap, a sign-in storm's worth on a large host.
   */
  public static final int MAX_PASSWORD_CHECKS_DEFAULT_CAP = 16;

  /** One password check per processor: the hash is CPU work, so more at once only wait longer. */
  public static final int MAX_PASSWORD_CHECKS_DEFAULT =
      Math.min(MAX_PASSWORD_CHECKS_DEFAULT_CAP, Runtime.getRuntime().availableProcessors());

  /** Sign-ins waiting in line per password check, by default. */
  public static final int QUEUE_PER_CHECK = 16;

  public static final SignInPolicy DEFAULT = new SignInPolicy(Duration.ofMinutes(15), 3, 10, 20, 100,
      Duration.ofSeconds(1), Duration.ofMinutes(15), MAX_PASSWORD_CHECKS_DEFAULT,
      QUEUE_PER_CHECK * MAX_PASSWORD_CHECKS_DEFAULT, "");

  public SignInPolicy {
    notice = notice == null ? "" : notice.strip();
    if (notice.length() > NOTICE_MAX) {
      throw new IllegalArgumentException("the sign-in notice may have at most " + NOTICE_MAX
          + " characters, got " + notice.length());
    }
    requirePositive("token lifetime", tokenLifetime);
    requirePositive("first delay", firstDelay);
    requirePositive("lock duration", lockFor);
    if (tokenLifetime.compareTo(Duration.ofHours(12)) > 0) {
      throw new IllegalArgumentException("sign-in tokens are short-lived: at most 12h, got " + tokenLifetime);
    }
    if (userFreeFailures < 0 || userLockAfter <= userFreeFailures) {
      throw new IllegalArgumentException("a user's lock must come after its free failures, got free "
          + userFreeFailures + ", lock after " + userLockAfter);
    }
    if (addressFreeFailures < 0 || addressLockAfter <= addressFreeFailures) {
      throw new IllegalArgumentException("an address's lock must come after its free failures, got free "
          + addressFreeFailures + ", lock after " + addressLockAfter);
    }
    if (maxPasswordChecks < 1 || maxPasswordChecks > 1024) {
      throw new IllegalArgumentException("password checks at once must be 1..1024, got " + maxPasswordChecks);
    }
    if (passwordCheckQueue < 0 || passwordCheckQueue > 100_000) {
      throw new IllegalArgumentException("sign-ins waiting for a password check must be 0..100000, got "
          + passwordCheckQueue);
    }
  }

  public SignInPolicy withNotice(String newNotice) {
    return new SignInPolicy(tokenLifetime, userFreeFailures, userLockAfter, addressFreeFailures,
        addressLockAfter, firstDelay, lockFor, maxPasswordChecks, passwordCheckQueue, newNotice);
  }

  /** With {@code checks} at once and {@value #QUEUE_PER_CHECK} waiting per check. */
  public SignInPolicy withMaxPasswordChecks(int checks) {
    return new SignInPolicy(tokenLifetime, userFreeFailures, userLockAfter, addressFreeFailures,
        addressLockAfter, firstDelay, lockFor, checks, QUEUE_PER_CHECK * checks, notice);
  }

  public SignInPolicy withPasswordCheckQueue(int waiting) {
    return new SignInPolicy(tokenLifetime, userFreeFailures, userLockAfter, addressFreeFailures,
        addressLockAfter, firstDelay, lockFor, maxPasswordChecks, waiting, notice);
  }

  private static void requirePositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
