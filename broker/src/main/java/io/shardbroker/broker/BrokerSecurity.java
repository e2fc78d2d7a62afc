package io.shardbroker.broker;

import io.shardbroker.store.LdapSettings;

/**
 * How a broker shows itself to clients and checks who they are.
 *
 * @param https the HTTP API's certificate; null for plain HTTP
 * @param signIn sign-in tokens' lifetime and the throttling of failed sign-ins
 * @param enrollment the enroller that certifies agents with one-time tokens; null for none
 * @param ldap a directory whose users may sign in besides the store's; null for none
 */
public record BrokerSecurity(HttpsCertificate https, SignInPolicy signIn, Enrollment enrollment, LdapSettings ldap) {

  /** Plain HTTP, the default sign-in policy, no enrollment, the store's users only. */
  public static final BrokerSecurity DEFAULT = new BrokerSecurity(null, SignInPolicy.DEFAULT, null, null);

  public BrokerSecurity {
    if (signIn == null) {
      throw new IllegalArgumentException("give a sign-in policy (SignInPolicy.DEFAULT)");
    }
  }

  public BrokerSecurity withHttps(HttpsCertificate certificate) {
    return new BrokerSecurity(certificate, signIn, enrollment, ldap);
  }

  public BrokerSecurity withSignIn(SignInPolicy policy) {
    return new BrokerSecurity(https, policy, enrollment, ldap);
  }

  public BrokerSecurity withEnrollment(Enrollment newEnrollment) {
    return new BrokerSecurity(https, signIn, newEnrollment, ldap);
  }

  public BrokerSecurity withLdap(LdapSettings directory) {
    return new BrokerSecurity(https, signIn, enrollment, directory);
  }
}
