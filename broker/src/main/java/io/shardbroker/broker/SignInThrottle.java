package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows and then locks repeated failed sign-ins, per user name and per source address, so that
 * guessing passwords costs an attacker hours, not seconds. A key past its free failures waits
 * {@code firstDelay}, doubling with each further failure; at its lock count it waits
 * {@code lockFor}. While a key waits, its sign-ins are answered at once and no password is checked,
 * so waiting answers reveal nothing about the password. A success clears the user name's count
 * (not the address's: one good account must not unlock a guessing address). Failures are forgotten
 * {@code lockFor} after the last one.
 *
 * <p>Per broker, in memory: behind a load balancer that spreads one attacker over n brokers, the
 * limits are n times as loose. Thread-safe.
 */
final class SignInThrottle {

  private static final int MAX_KEYS = 100_000;

  private record Failures(int count, long lastMillis, long blockedUntilMillis) {}

  private final SignInPolicy policy;
  private final Clock clock;
  private final Map<String, Failures> failures = new ConcurrentHashMap<>();

  SignInThrottle(SignInPolicy policy, Clock clock) {
    this.policy = policy;
    this.clock = clock;
  }

  /** How long {@code user} from {@code address} must wait before the next try; zero for now. */
  Duration wait(String user, String address) {
    long now = clock.millis();
    return Duration.ofMillis(Math.max(remaining(userKey(user), now), remaining(addressKey(address), now)));
  }

  /**
   * Refuses with {@code 429 too_many_attempts} and Retry-After while {@code user} from
   * {@code address} must wait.
   *
   * @param what what is being tried, for the message: "sign-ins", "enrollments"
   */
  void refuseIfWaiting(String user, String address, String what) {
    Duration wait = wait(user, address);
    if (!wait.isZero()) {
      long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
      throw new BrokerException(Reason.TOO_MANY_ATTEMPTS, "too many failed " + what
          + " for this name or address; try again in " + seconds + " s", Duration.ofSeconds(seconds));
    }
  }

  /** Counts a failed sign-in; returns whether it locked the user name or the address. */
  boolean failed(String user, String address) {
    long now = clock.millis();
    if (failures.size() >= MAX_KEYS) {
      failures.values().removeIf(f -> forgotten(f, now));
    }
    boolean userLocked = count(userKey(user), policy.userFreeFailures(), policy.userLockAfter(), now);
    boolean addressLocked = count(addressKey(address), policy.addressFreeFailures(), policy.addressLockAfter(), now);
    return userLocked || addressLocked;
  }

  void succeeded(String user) {
    failures.remove(userKey(user));
  }

  private boolean count(String key, int free, int lockAfter, long now) {
    Failures after = failures.compute(key, (k, f) -> {
      int count = f == null || forgotten(f, now) ? 1 : f.count() + 1;
      long blocked = now;
      if (count >= lockAfter) {
        blocked = now + policy.lockFor().toMillis();
      } else if (count > free) {
        long delay = policy.firstDelay().toMillis() << Math.min(30, count - free - 1);
        blocked = now + Math.min(delay, policy.lockFor().toMillis());
      }
      return new Failures(count, now, blocked);
    });
    return after.count() == lockAfter;
  }

  private long remaining(String key, long now) {
    Failures f = failures.get(key);
    return f == null ? 0 : Math.max(0, f.blockedUntilMillis() - now);
  }

  private boolean forgotten(Failures f, long now) {
    return now - f.lastMillis() >= policy.lockFor().toMillis() && now >= f.blockedUntilMillis();
  }

  private static String userKey(String user) {
    return "u:" + user;
  }

  private static String addressKey(String address) {
    return "a:" + address;
  }
}
