package io.shardbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.protocol.Reason;
import io.shardbroker.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The throttle by itself, on a fake clock: each test tries to get around a limit and fails to. The
 * attacks over HTTP, through the proxy, are in {@link SignInTest}.
 */
class SignInThrottleTest {

  private static final SignInPolicy POLICY = SignInPolicy.DEFAULT;

  private final FakeClock clock = new FakeClock();
  private final SignInThrottle throttle = new SignInThrottle(POLICY, clock);

  @Test
  void triesInFlightCountAsFailuresSoParallelGuessesStopAtTheFreeOnes() {
    List<SignInThrottle.Attempt> inFlight = new ArrayList<>();
    for (int i = 0; i <= POLICY.userFreeFailures(); i++) {
      inFlight.add(throttle.begin("alice", "203.0.113.7", "sign-ins"));
    }
    assertRefused(() -> throttle.begin("alice", "203.0.113.7", "sign-ins"));
    assertThat(throttle.begin("alice", "198.51.100.2", "sign-ins")).as("another address").isNotNull();

    inFlight.forEach(SignInThrottle.Attempt::failed);
    assertRefused(() -> throttle.begin("alice", "203.0.113.7", "sign-ins"));  // now the pair waits
  }

  @Test
  void aTryThatWasNotCheckedIsNotCounted() {
    for (int i = 0; i < 3 * POLICY.userLockAfter(); i++) {
      throttle.begin("alice", "203.0.113.7", "sign-ins").abandoned();  // the store failed, or the broker was busy
    }
    SignInThrottle.Attempt attempt = throttle.begin("alice", "203.0.113.7", "sign-ins");
    attempt.succeeded();
    assertThat(throttle.size()).as("nothing to remember").isZero();
  }

  @Test
  void everySpellingOfANameTheDirectoryTakesForOneIsCountedAsOne() {
    List<String> spellings = List.of("alice", "Alice", "ALICE", " alice ", "ａｌｉｃｅ", "al\u00ADice", "ali\u200Bce",
        "alice\uFE0F");
    assertThat(spellings).extracting(SignInNames::fold).containsOnly("alice");
    assertThat(SignInNames.fold("Straße")).isEqualTo(SignInNames.fold("STRASSE"));
    assertThat(SignInNames.fold("x".repeat(10_000))).hasSize(SignInNames.MAX_LENGTH);

    for (int i = 0; i < POLICY.userLockAfter(); i++) {
      throttle.begin(spellings.get(i % spellings.size()), "203.0.113.7", "sign-ins").failed();
      clock.advance(Duration.ofMinutes(1));  // each wait is over by then
    }
    assertRefused(() -> throttle.begin("aLiCe", "203.0.113.7", "sign-ins"));
  }

  @Test
  void aFloodOfNamesAndAddressesKeepsTheTableWithinItsBound() {
    int bound = 1_000;
    SignInThrottle small = new SignInThrottle(POLICY, clock, bound);
    String longName = "x".repeat(10 * SignInNames.MAX_LENGTH);
    int largest = 0;
    for (int i = 0; i < 20 * bound; i++) {
      String address = "10.0." + (i / 256 % 256) + "." + (i % 256);
      String name = i % 10 == 0 ? i + longName : "user-" + i;
      small.begin(name, address, "sign-ins").failed();
      largest = Math.max(largest, small.size());
    }
    assertThat(largest).isEqualTo(bound);

    SignInThrottle full = new SignInThrottle(POLICY, clock);
    for (int i = 0; i < SignInThrottle.MAX_COUNTS / 2; i++) {  // each adds a pair, an address and a name
      full.begin("user-" + i, "2001:db8::" + Integer.toHexString(i), "sign-ins").failed();
    }
    assertThat(full.size()).isEqualTo(SignInThrottle.MAX_COUNTS);
  }

  @Test
  void theRecentLocksOutliveAFloodFromOneAddress() {
    for (int i = 0; i < POLICY.userLockAfter(); i++) {
      throttle.begin("alice", "203.0.113.7", "sign-ins").failed();
      clock.advance(Duration.ofMinutes(1));
    }
    // The flooding address locks itself long before it can push the pair out.
    int tried = 0;
    try {
      for (; tried < SignInThrottle.MAX_COUNTS; tried++) {
        throttle.begin("made-up-" + tried, "198.51.100.9", "sign-ins").failed();
      }
    } catch (BrokerException e) {
      assertThat(e.kind()).isEqualTo(Reason.TOO_MANY_ATTEMPTS);
    }
    assertThat(tried).isLessThanOrEqualTo(POLICY.addressFreeFailures() + 1);
    assertRefused(() -> throttle.begin("alice", "203.0.113.7", "sign-ins"));
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(BrokerException.class)
        .satisfies(e -> assertThat(((BrokerException) e).kind()).isEqualTo(Reason.TOO_MANY_ATTEMPTS))
        .satisfies(e -> assertThat(((BrokerException) e).retryAfter()).isPositive());
  }
}
