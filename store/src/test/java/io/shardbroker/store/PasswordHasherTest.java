package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hash format: PHC strings that carry their own cost and salt. */
class PasswordHasherTest {
  private final PasswordHasher hasher = new PasswordHasher(PasswordHashing.FAST);

  @Test
  void hashesAreSaltedPhcStringsThatCarryTheirCost() {
    String first = hasher.hash("correct horse battery");
    String second = hasher.hash("correct horse battery");

    assertThat(first).matches("\\$argon2id\\$v=19\\$m=1024,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    assertThat(second).isNotEqualTo(first);
    assertThat(hasher.matches("correct horse battery", first)).isTrue();
    assertThat(hasher.matches("correct horse battery", second)).isTrue();
    assertThat(hasher.matches("correct horse batterY", first)).isFalse();
  }

  @Test
  void aHashMadeAtAnotherCostStillMatches() {
    String strong = new PasswordHasher(new PasswordHashing(2048, 2, 2)).hash("päßwörd 日本");
    assertThat(strong).startsWith("$argon2id$v=19$m=2048,t=2,p=2$");
    assertThat(hasher.matches("päßwörd 日本", strong)).isTrue();
  }

  @Test
  void malformedHashesMatchNothing() {
    assertThat(hasher.matches("x", null)).isFalse();
    assertThat(hasher.matches("x", "")).isFalse();
    assertThat(hasher.matches("x", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")).isFalse();
    assertThat(hasher.matches("x", "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")).isFalse();
    assertThat(hasher.matchesNobody("x")).isFalse();
  }
}
