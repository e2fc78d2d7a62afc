package io.shardbroker.broker;

import io.shardbroker.security.CertificateAuthority;
import java.time.Duration;

/**
 * Agent enrollment on this broker: the enroller (a CA under the deployment's root, see {@code
 * shardbroker certs issue --enroller}) that certifies agents who bring a one-time token, and how
 * long their certificates last.
 */
public record Enrollment(CertificateAuthority enroller, Duration agentValidity) {

  public static final Duration AGENT_VALIDITY_DEFAULT = Duration.ofDays(365);
  /** How long a token lives unless the admin says otherwise. */
  public static final Duration TOKEN_LIFETIME_DEFAULT = Duration.ofMinutes(15);

  public Enrollment {
    if (enroller == null) {
      throw new IllegalArgumentException("enrollment needs an enroller");
    }
    if (agentValidity == null || agentValidity.isNegative() || agentValidity.isZero()) {
      throw new IllegalArgumentException("agents' certificates must be valid for a positive time, got " + agentValidity);
    }
  }
}
