package io.shardbroker.broker;

import io.shardbroker.security.LinkSecurity;
import io.shardbroker.store.LdapSettings;

/**
 * How a broker shows itself to clients and checks who they are.
 *
 * @param https the HTTP API's certificate; null for plain HTTP
 * @param signIn sign-in tokens' lifetime and the throttling of failed sign-ins
 * @param enrollment the enroller that certifies agents with one-time tokens; null for none
 * @param ldap a directory whose users may sign in besides the store's; null for none
 * @param links how the broker dials agents' display relays: mutual TLS with its certificate of the
 *     deployment's CA, or {@link LinkSecurity#PLAINTEXT} when it runs {@code --insecure} without one
 * @param trustedProxies the proxies whose {@code X-Forwarded-For} or {@code Forwarded} header names
 *     the client, for sign-in limits and the audit log; {@link TrustedProxies#NONE} for none
 * @param metricsToken the bearer token {@code /metrics} asks for; null: {@code /metrics} is open
 */
public record BrokerSecurity(
    HttpsCertificate https, SignInPolicy signIn, Enrollment enrollment, LdapSettings ldap, LinkSecurity links,
    TrustedProxies trustedProxies, MetricsToken metricsToken) {

  /**
   * Plain HTTP, the default sign-in policy, no enrollment, the store's users only, plain-text links,
   * no trusted proxy, open metrics.
   */
  public static final BrokerSecurity DEFAULT = new BrokerSecurity(
      null, SignInPolicy.DEFAULT, null, null, LinkSecurity.PLAINTEXT, TrustedProxies.NONE, null);

  public BrokerSecurity {
    if (signIn == null) {
      throw new IllegalArgumentException("give a sign-in policy (SignInPolicy.DEFAULT)");
    }
    if (links == null) {
      throw new IllegalArgumentException("give the links' security (LinkSecurity.PLAINTEXT for plain text)");
    }
    if (trustedProxies == null) {
      throw new IllegalArgumentException("give the trusted proxies (TrustedProxies.NONE for none)");
    }
  }

  public BrokerSecurity withHttps(HttpsCertificate certificate) {
    return new BrokerSecurity(certificate, signIn, enrollment, ldap, links, trustedProxies, metricsToken);
  }

  public BrokerSecurity withSignIn(SignInPolicy policy) {
    return new BrokerSecurity(https, policy, enrollment, ldap, links, trustedProxies, metricsToken);
  }

  public BrokerSecurity withEnrollment(Enrollment newEnrollment) {
    return new BrokerSecurity(https, signIn, newEnrollment, ldap, links, trustedProxies, metricsToken);
  }

  public BrokerSecurity withLdap(LdapSettings directory) {
    return new BrokerSecurity(https, signIn, enrollment, directory, links, trustedProxies, metricsToken);
  }

  public BrokerSecurity withLinks(LinkSecurity newLinks) {
    return new BrokerSecurity(https, signIn, enrollment, ldap, newLinks, trustedProxies, metricsToken);
  }

  public BrokerSecurity withTrustedProxies(TrustedProxies proxies) {
    return new BrokerSecurity(https, signIn, enrollment, ldap, links, proxies, metricsToken);
  }

  /** These settings with {@code /metrics} behind {@code token} (null: open). */
  public BrokerSecurity withMetricsToken(MetricsToken token) {
    return new BrokerSecurity(https, signIn, enrollment, ldap, links, trustedProxies, token);
  }
}
