package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows and then locks repeated failed sign-ins, so that guessing passwords costs an attacker
 * hours, not seconds, while one address's failures never lock out anyone else's correct password.
 *
 * <p><b>Three counts.</b> Each try is of a user name from a client address (behind a trusted proxy,
 * the address it forwards: {@link TrustedProxies}).
 * <ul>
 *   <li>Per name and address: past {@code userFreeFailures} failures each further try waits
 *       {@code firstDelay}, doubling with each failure; at {@code userLockAfter} the pair waits
 *       {@code lockFor}. This is the lock a guesser of one password meets.
 *   <li>Per address, over all names: the same with {@code addressFreeFailures} and
 *       {@code addressLockAfter}. It slows an address that tries many names; other addresses do
 *       not notice.
 *   <li>Per name, over all addresses: at {@code userLockAfter} failures the name is under attack
 *       from several addresses, and until its failures are forgotten each further failure of it
 *       locks its own pair for {@code lockFor} at once. It refuses nobody by itself: a correct
 *       password from an address that has no failure of the name to wait for is let through. So a
 *       guesser spread over many addresses gets one try per address and lock, and the user keeps
 *       signing in from their own.
 * </ul>
 * While a pair or an address waits, its tries are refused at once and no password is checked, so
 * waiting answers reveal nothing about the password. A success clears its pair's failures, not the
 * address's (one good account must not unlock a guessing address) nor the name's. Failures are
 * forgotten {@code lockFor} after the last one.
 *
 * <p><b>Counted before the check.</b> {@link #begin} counts a try in flight before its password is
 * checked, and lets tries of a pair or address run at once only while its failures and those in
 * flight stay within its free ones; past them, one at a time. So N wrong tries sent in parallel
 * get no further than N sent one after the other.
 *
 * <p><b>Bounded memory.</b> At most {@link #MAX_COUNTS} counts are kept; the least recently used
 * goes first. Names are counted as {@link SignInNames#fold} spells them (cut to 128 code points), so
 * each count's key is bounded too: about 600 bytes at worst, 60 MB in all. Pushing a lock out takes
 * about {@code MAX_COUNTS} fresh counts within {@code lockFor}; an address makes at most two per
 * failure, and at most {@code addressLockAfter} failures before it is locked itself, so that takes
 * hundreds of addresses.
 *
 * <p>Per broker, in memory: behind a load balancer that spreads one attacker over n brokers, the
 * limits are n times as loose. Thread-safe: every field below is guarded by {@code this}; each
 * call is a few map operations.
 */
final class SignInThrottle {

  static final int MAX_COUNTS = 100_000;

  private enum Kind { PAIR, ADDRESS, NAME }

  private record Key(Kind kind, String name, String address) {}

  /** The failures of one key; mutated under the throttle's lock only. */
  private static final class Count {
    int failures;
    long lastFailureMillis;
    long blockedUntilMillis;
    int inFlight;
  }

  private final SignInPolicy policy;
  private final Clock clock;
  private final int maxCounts;
  // Guarded by this. In access order: the eldest is the least recently used.
  private final LinkedHashMap<Key, Count> counts;

  SignInThrottle(SignInPolicy policy, Clock clock) {
    this(policy, clock, MAX_COUNTS);
  }

  SignInThrottle(SignInPolicy policy, Clock clock, int maxCounts) {
    if (maxCounts < 3) {
      throw new IllegalArgumentException("the throttle needs room for at least 3 counts, got " + maxCounts);
    }
    this.policy = policy;
    this.clock = clock;
    this.maxCounts = maxCounts;
    this.counts = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Count> eldest) {
        return size() > SignInThrottle.this.maxCounts;
      }
    };
  }

  /** One try being checked: end it with exactly one of its methods. */
  final class Attempt {
    private final Key pair;
    private final Key address;
    private final Key name;
    private boolean ended;

    private Attempt(Key pair, Key address, Key name) {
      this.pair = pair;
      this.address = address;
      this.name = name;
    }

    /** The password was right: the pair's failures are cleared. */
    void succeeded() {
      synchronized (SignInThrottle.this) {
        if (end() && counts.get(pair) instanceof Count c) {
          c.failures = 0;
          c.blockedUntilMillis = 0;
        }
        dropIfIdle(pair);
        dropIfIdle(address);
      }
    }

    /** The password was wrong; returns whether this failure locked the pair or the address. */
    boolean failed() {
      synchronized (SignInThrottle.this) {
        if (!end()) {
          return false;
        }
        long now = clock.millis();
        boolean underAttack = underAttack(name, now);
        boolean pairLocked = fail(count(pair), underAttack ? 0 : policy.userFreeFailures(),
            underAttack ? 1 : policy.userLockAfter(), now);
        boolean addressLocked = fail(count(address), policy.addressFreeFailures(), policy.addressLockAfter(), now);
        countFailure(count(name), now);
        return pairLocked || addressLocked;
      }
    }

    /** The password could not be checked (the store or directory failed, the broker was busy): not counted. */
    void abandoned() {
      synchronized (SignInThrottle.this) {
        end();
        dropIfIdle(pair);
        dropIfIdle(address);
      }
    }

    /** Takes the try out of flight, once; whether it was still in flight. */
    private boolean end() {
      if (ended) {
        return false;
      }
      ended = true;
      leave(pair);
      leave(address);
      return true;
    }
  }

  /**
   * Starts a try of {@code user} from {@code address}, counted in flight until it ends.
   *
   * @param what what is being tried, for the message: "sign-ins", "enrollments"
   * @throws BrokerException {@code 429 too_many_attempts} with Retry-After while the pair or the
   *     address must wait, or has as many tries in flight as it may
   */
  synchronized Attempt begin(String user, String address, String what) {
    long now = clock.millis();
    Key name = new Key(Kind.NAME, SignInNames.fold(user), "");
    Key pair = new Key(Kind.PAIR, name.name(), address);
    Key from = new Key(Kind.ADDRESS, "", address);
    refuseIfWaiting(pair, from, now, what);
    boolean underAttack = underAttack(name, now);
    Count pairCount = count(pair);
    Count addressCount = count(from);
    if (!roomInFlight(pairCount, underAttack ? 0 : policy.userFreeFailures(), now)
        || !roomInFlight(addressCount, policy.addressFreeFailures(), now)) {
      throw refusal(what, Duration.ofSeconds(1));
    }
    pairCount.inFlight++;
    addressCount.inFlight++;
    return new Attempt(pair, from, name);
  }

  /** Refuses as {@link #begin} does while the pair or the address waits; counts nothing. */
  synchronized void refuseIfWaiting(String user, String address, String what) {
    refuseIfWaiting(new Key(Kind.PAIR, SignInNames.fold(user), address), new Key(Kind.ADDRESS, "", address),
        clock.millis(), what);
  }

  /** How many counts are kept now; never more than the bound. */
  synchronized int size() {
    return counts.size();
  }

  private void refuseIfWaiting(Key pair, Key address, long now, String what) {
    long wait = Math.max(remaining(pair, now), remaining(address, now));
    if (wait > 0) {
      throw refusal(what, Duration.ofMillis(wait));
    }
  }

  private static BrokerException refusal(String what, Duration wait) {
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    return new BrokerException(Reason.TOO_MANY_ATTEMPTS, "too many failed " + what
        + " for this name or address; try again in " + seconds + " s", Duration.ofSeconds(seconds));
  }

  /** Whether one more try may run now beside those in flight (the key is not waiting). */
  private boolean roomInFlight(Count c, int free, long now) {
    return c.inFlight == 0 || failures(c, now) + c.inFlight <= free;
  }

  /** Whether the name has failed as often as locks a pair, from all addresses together. */
  private boolean underAttack(Key name, long now) {
    Count c = counts.get(name);
    return c != null && failures(c, now) >= policy.userLockAfter();
  }

  /** Counts a failure; returns whether it locked the key. */
  private boolean fail(Count c, int free, int lockAfter, long now) {
    int n = countFailure(c, now);
    long lockFor = policy.lockFor().toMillis();
    if (n >= lockAfter) {
      c.blockedUntilMillis = now + lockFor;
    } else if (n > free) {
      c.blockedUntilMillis = now + Math.min(policy.firstDelay().toMillis() << Math.min(30, n - free - 1), lockFor);
    }
    return n >= lockAfter;
  }

  /** Counts a failure; returns the failures now remembered. */
  private int countFailure(Count c, long now) {
    c.failures = failures(c, now) + 1;
    c.lastFailureMillis = now;
    return c.failures;
  }

  /** Forgets a count that holds nothing: no failure remembered, no try in flight. */
  private void dropIfIdle(Key key) {
    long now = clock.millis();
    if (counts.get(key) instanceof Count c && c.inFlight == 0 && failures(c, now) == 0
        && now >= c.blockedUntilMillis) {
      counts.remove(key);
    }
  }

  private void leave(Key key) {
    Count c = counts.get(key);
    if (c != null && c.inFlight > 0) {  // null when pushed out meanwhile
      c.inFlight--;
    }
  }

  /** The key's count, made when missing. */
  private Count count(Key key) {
    return counts.computeIfAbsent(key, k -> new Count());
  }

  /** The failures still remembered. */
  private int failures(Count c, long now) {
    boolean forgotten = now - c.lastFailureMillis >= policy.lockFor().toMillis() && now >= c.blockedUntilMillis;
    return forgotten ? 0 : c.failures;
  }

  private long remaining(Key key, long now) {
    Count c = counts.get(key);
    return c == null ? 0 : Math.max(0, c.blockedUntilMillis - now);
  }
}
