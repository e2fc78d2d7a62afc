package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Shared secrets, revoked sign-in tokens and one-time enrollment tokens. */
interface SecurityContract extends StoreFixture {

  @Test
  default void aSharedSecretIsMadeOnceAndTheSameForEveryBrokerOfTheStore() {
    byte[] first = store().security().sharedSecret("token-signing");
    assertThat(first).hasSize(32);
    assertThat(open(settings()).security().sharedSecret("token-signing")).isEqualTo(first);
    assertThat(store().security().sharedSecret("other")).isNotEqualTo(first);
  }

  @Test
  default void aRevokedTokenStaysRevokedUntilItWouldHaveExpired() {
    SecurityStore security = store().security();
    security.revokeToken("t1", clock().instant().plusSeconds(60));
    security.revokeToken("t1", clock().instant().plusSeconds(60));  // twice is fine
    assertThat(security.tokenRevoked("t1")).isTrue();
    assertThat(security.tokenRevoked("t2")).isFalse();
    clock().advance(Duration.ofMinutes(2));
    security.revokeToken("t3", clock().instant().plusSeconds(60));  // purges what has expired
    assertThat(security.tokenRevoked("t1")).isFalse();
  }

  @Test
  default void anEnrollmentTokenWorksOnceForItsVmBeforeItExpires() {
    SecurityStore security = store().security();
    SecurityStore.EnrollmentToken made = security.createEnrollment(ADMIN, "vm-0042", Duration.ofMinutes(15));
    assertThat(made.expiresAt()).isEqualTo(clock().instant().plus(Duration.ofMinutes(15)));

    assertThat(security.enrollmentRedeemable(made.token(), "vm-0042")).isTrue();
    assertThat(security.enrollmentRedeemable(made.token(), "vm-0043")).as("another VM").isFalse();
    assertThat(security.enrollmentRedeemable(made.token() + "x", "vm-0042")).as("a forged token").isFalse();
    assertThat(security.enrollmentRedeemable(null, "vm-0042")).isFalse();
    assertThat(security.redeemEnrollment(ADMIN, made.token(), "vm-0043")).as("another VM").isFalse();
    assertThat(security.redeemEnrollment(ADMIN, made.token() + "x", "vm-0042")).as("a forged token").isFalse();
    assertThat(security.redeemEnrollment(ADMIN, made.token(), "vm-0042")).isTrue();
    assertThat(security.redeemEnrollment(ADMIN, made.token(), "vm-0042")).as("used twice").isFalse();
    assertThat(security.enrollmentRedeemable(made.token(), "vm-0042")).as("used").isFalse();

    SecurityStore.EnrollmentToken late = security.createEnrollment(ADMIN, "vm-0044", Duration.ofMinutes(15));
    clock().advance(Duration.ofMinutes(16));
    assertThat(security.enrollmentRedeemable(late.token(), "vm-0044")).as("expired").isFalse();
    assertThat(security.redeemEnrollment(ADMIN, late.token(), "vm-0044")).as("expired").isFalse();

    List<String> actions = store().audit().query(new AuditEntry.Query(null, "enrollment.", null, null, null, null))
        .items().stream().map(AuditEntry::action).toList();
    assertThat(actions).containsExactly("enrollment.refuse", "enrollment.create", "enrollment.refuse",
        "enrollment.redeem", "enrollment.refuse", "enrollment.refuse", "enrollment.create");
    assertThat(store().audit().query(new AuditEntry.Query(null, null, null, null, null, null)).items())
        .noneMatch(e -> String.valueOf(e.detail()).contains(made.token()));
  }

  @Test
  default void enrollmentLifetimesAreBounded() {
    assertThatThrownBy(() -> store().security().createEnrollment(ADMIN, "vm-1", Duration.ofDays(8)))
        .hasMessageContaining("at most 7 days");
    assertThatThrownBy(() -> store().security().createEnrollment(ADMIN, "vm 1", Duration.ofMinutes(1)))
        .hasMessageContaining("vmId");
  }

  @Test
  default void aRefusalIsAudited() {
    store().security().audit(new Actor("mallory", "b1"), "access.refuse", "/api/v1/admin/users",
        "not an admin");
    AuditEntry entry = store().audit().query(new AuditEntry.Query("mallory", null, null, null, null, null))
        .items().get(0);
    assertThat(entry.action()).isEqualTo("access.refuse");
    assertThat(entry.at()).isEqualTo(Instant.from(clock().instant()));
  }
}
