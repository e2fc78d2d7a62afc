package io.shardbroker.broker;

import java.time.Duration;

/**
 * How long sign-in tokens last, and how repeated failed sign-ins are slowed and then locked: per
 * user name and, with more room because offices share addresses, per source address.
 *
 * @param tokenLifetime how long a token from {@code POST /api/v1/auth/login} is good
 * @param userFreeFailures failures of one user name before each further one makes it wait
 * @param userLockAfter failures of one user name that lock it for {@code lockFor}
 * @param addressFreeFailures the same, per source address
 * @param addressLockAfter the same, per source address
 * @param firstDelay the wait after the first failure past the free ones; it doubles with each
 * @param lockFor how long a lock lasts, and how long failures are remembered
 * @param notice plain text the portal shows above its sign-in form, such as a legal notice or
 *     where to get help (Horizon's "pre-login message"); empty for none
 */
public record SignInPolicy(
    Duration tokenLifetime,
    int userFreeFailures, int userLockAfter,
    int addressFreeFailures, int addressLockAfter,
    Duration firstDelay, Duration lockFor,
    String notice) {

  /** The longest notice: a few paragraphs, not a document. */
  public static final int NOTICE_MAX = 2_000;

  public static final SignInPolicy DEFAULT = new SignInPolicy(Duration.ofMinutes(15), 3, 10, 20, 100,
      Duration.ofSeconds(1), Duration.ofMinutes(15), "");

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
  }

  public SignInPolicy withNotice(String newNotice) {
    return new SignInPolicy(tokenLifetime, userFreeFailures, userLockAfter, addressFreeFailures,
        addressLockAfter, firstDelay, lockFor, newNotice);
  }

  private static void requirePositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
