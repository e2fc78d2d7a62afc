package io.shardbroker.store;

import java.time.Duration;
import java.time.Instant;

/**
 * What brokers sharing a store share to authenticate users and enroll agents: secrets, revoked
 * sign-in tokens, one-time enrollment tokens, and the audit entries of refused requests.
 */
public interface SecurityStore {

  /** The longest an enrollment token may live. */
  Duration ENROLLMENT_LIFETIME_MAX = Duration.ofDays(7);

  /** The 32-byte secret called {@code name}, made at random by whichever broker asks first. */
  byte[] sharedSecret(String name);

  /** Ends the sign-in token {@code tokenId} before it expires at {@code expiresAt}. */
  void revokeToken(String tokenId, Instant expiresAt);

  boolean tokenRevoked(String tokenId);

  /**
   * Writes an entry to the audit log in a transaction of its own: for what changes no stored
   * state, such as a refused request or a session an admin ended.
   */
  void audit(Actor by, String action, String target, String detail);

  /**
   * Makes a one-time token with which the agent of {@code vmId} may obtain its certificate
   * within {@code lifetime}.
   */
  EnrollmentToken createEnrollment(Actor by, String vmId, Duration lifetime);

  /**
   * Uses up {@code token} for {@code vmId}: true at most once, and only before it expires and for
   * the VM it was made for. Audited either way (never with the token).
   */
  boolean redeemEnrollment(Actor by, String token, String vmId);

  /**
   * Whether {@code token} would redeem for {@code vmId} now, without using it up or auditing: so a
   * broker checks the token before it spends work on the request that comes with it. {@link
   * #redeemEnrollment} still decides (a racing agent may use the token in between).
   */
  boolean enrollmentRedeemable(String token, String vmId);

  /** A token as made: the only time the token itself is shown. */
  record EnrollmentToken(String token, String vmId, Instant expiresAt) {}
}
