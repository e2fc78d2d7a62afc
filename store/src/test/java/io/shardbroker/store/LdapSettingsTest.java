package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LDAP settings: defaults beside the keys, and a bad value refused at start, named in the message. */
class LdapSettingsTest {
  private static final String USERS = "uid={0},ou=people,dc=example,dc=com";
  private static final String GROUPS = "ou=groups,dc=example,dc=com";
  private static final LdapTransport START_TLS = new LdapTransport(true, null, false);

  @Test
  void optionalFieldsTakeTheirDefaults() {
    LdapSettings settings = LdapSettings.of("ldaps://ldap.example.com", USERS, GROUPS);

    assertThat(settings.groupFilter()).isEqualTo("(|(member={0})(uniqueMember={0}))");
    assertThat(settings.groupNameAttribute()).isEqualTo("cn");
    assertThat(settings.displayNameAttribute()).isEqualTo("cn");
    assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.bindDn()).isNull();
    assertThat(settings.bindPassword()).isNull();
    assertThat(settings.tls()).isTrue();
    assertThat(settings.host()).isEqualTo("ldap.example.com");
    assertThat(settings.port()).isEqualTo(636);
    assertThat(settings.transport()).isEqualTo(LdapTransport.DEFAULT);
    assertThat(LdapSettings.of("ldap://[::1]/", USERS, GROUPS, LdapTransport.INSECURE).host()).isEqualTo("::1");
    assertThat(LdapSettings.of("LDAP://ldap:1389", USERS, GROUPS, START_TLS).port()).isEqualTo(1389);
    assertThat(LdapSettings.of("ldap://ldap", USERS, GROUPS, START_TLS).port()).isEqualTo(389);
    assertThat(settings.userNameAttribute()).isEqualTo("uid");
    assertThat(settings.userBase().toString()).isEqualTo("ou=people,dc=example,dc=com");
  }

  @Test
  void badUrlsAreRefusedWithTheValue() {
    for (String url : new String[] {"http://ldap.example.com", "ldap://", "ldap:///dc=example,dc=com",
        "ldap://ldap.example.com/dc=example,dc=com", "ldap://user@ldap.example.com", "ldap://h?x",
        "ldap.example.com",
        "ldap://bad host", "ldap://h:0", "ldap://h:65536"}) {
      assertRefused(url, () -> LdapSettings.of(url, USERS, GROUPS));
    }
    assertThatThrownBy(() -> LdapSettings.of(null, USERS, GROUPS)).hasMessageContaining("ldap url is required");
  }

  @Test
  void aUserDnPatternIsAnAttributeOfTheNameThenABaseDn() {
    assertThat(LdapSettings.of("ldaps://h", "cn={0}", GROUPS).userBase().isNullDN()).isTrue();
    assertThat(LdapSettings.of("ldaps://h", " CN = {0} ,dc=example", GROUPS).userNameAttribute()).isEqualTo("CN");
    for (String pattern : new String[] {"ou=people,dc=example,dc=com", "uid=x{0},ou=people", "{0}",
        "uid={0},ou=people,,", "uid={0},ou={0}", "ou=people,uid={0}", "uid={0}@example.com", "u id={0},dc=x"}) {
      assertRefused(pattern, () -> LdapSettings.of("ldaps://h", pattern, GROUPS));
    }
    assertThatThrownBy(() -> LdapSettings.of("ldaps://h", null, GROUPS)).hasMessageContaining("userDnPattern");
  }

  @Test
  void badDnsFiltersAttributesAndTimeoutsAreRefusedWithTheValue() {
    assertRefused("not a dn", () -> LdapSettings.of("ldaps://h", USERS, "not a dn"));
    assertThatThrownBy(() -> LdapSettings.of("ldaps://h", USERS, null)).hasMessageContaining("groupBase");
    assertRefused("(member=cn=x)", () -> filter("(member=cn=x)"));
    assertRefused("(member={0}", () -> filter("(member={0}"));
    assertRefused("c n", () -> new LdapSettings("ldaps://h", USERS, GROUPS, null, "c n", null, null, null, null));
    assertRefused("cn;x", () -> new LdapSettings("ldaps://h", USERS, GROUPS, null, null, "cn;x", null, null, null));
    for (Duration timeout : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofHours(1)}) {
      assertRefused(timeout.toString(), () -> LdapSettings.of("ldaps://h", USERS, GROUPS).withTimeout(timeout));
    }
    assertThat(new LdapSettings("ldaps://h", USERS, GROUPS, "(memberUid={0})", "ou", "displayName",
        Duration.ofMillis(300), null, null).groupFilter()).isEqualTo("(memberUid={0})");
  }

  @Test
  void aBindAccountNeedsADnAndAPasswordThatIsNeverShown() {
    LdapSettings settings = LdapSettings.of("ldaps://h", USERS, GROUPS);
    assertThatThrownBy(() -> new LdapSettings("ldaps://h", USERS, GROUPS, null, null, null, null, "cn=svc", null))
        .hasMessageContaining("give both or neither");
    assertThatThrownBy(() -> settings.withBindAccount("cn=svc,dc=example,dc=com", ""))
        .hasMessageContaining("bindPassword cannot be empty");
    assertRefused("svc", () -> settings.withBindAccount("svc", "secret-1"));

    LdapSettings withAccount = settings.withBindAccount("cn=svc,dc=example,dc=com", "secret-1");
    assertThat(withAccount.toString()).contains("cn=svc,dc=example,dc=com").doesNotContain("secret-1");
  }

  @Test
  void adminGroupsAreDnsOrNamesAndNoneByDefault() {
    LdapSettings settings = LdapSettings.of("ldaps://h", USERS, GROUPS);
    assertThat(settings.adminGroups()).isEmpty();
    assertThat(settings.withAdminGroups(List.of("cn=vdi-admins," + GROUPS, "helpdesk")).adminGroups())
        .containsExactly("cn=vdi-admins," + GROUPS, "helpdesk");
    assertRefused("cn=x,,dc=y", () -> settings.withAdminGroups(List.of("cn=x,,dc=y")));
    assertThatThrownBy(() -> settings.withAdminGroups(List.of(" "))).hasMessageContaining("adminGroups");
  }

  @Test
  void plainLdapIsRefusedAtStartUnlessUpgradedByStartTlsOrDeclaredInsecure() {
    assertThatThrownBy(() -> LdapSettings.of("ldap://ldap.example.com", USERS, GROUPS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ldap url ldap://ldap.example.com would send users' passwords to the directory in plain text:"
            + " use ldaps://, or add startTls: true, or insecure: true (trials only)");
    assertThatThrownBy(() -> LdapSettings.of("ldaps://h", USERS, GROUPS, START_TLS))
        .hasMessageContaining("startTls is for ldap:// URLs");
    assertThatThrownBy(() -> LdapSettings.of("ldap://h", USERS, GROUPS,
        new LdapTransport(false, Path.of("ca.pem"), true))).hasMessageContaining("ldap caFile ca.pem is for TLS");

    assertThat(LdapSettings.of("ldap://h", USERS, GROUPS, START_TLS).transport().startTls()).isTrue();
    assertThat(LdapSettings.of("ldap://h", USERS, GROUPS, LdapTransport.INSECURE).transport().insecure()).isTrue();
    assertThat(LdapSettings.of("ldaps://h", USERS, GROUPS, new LdapTransport(false, Path.of("ca.pem"), false))
        .transport().caFile()).isEqualTo(Path.of("ca.pem"));
  }

  @Test
  void aUserSearchNeedsABaseAFilterWithTheNameAndASearchAccount() {
    LdapSettings byPattern = LdapSettings.of("ldaps://h", USERS, GROUPS);
    LdapUserSearch ad = new LdapUserSearch("dc=example,dc=com", "(sAMAccountName={0})", "sAMAccountName");
    LdapSettings searching = new LdapSettings("ldaps://h", null, GROUPS, null, null, null, null,
        "cn=svc,dc=example,dc=com", "secret-1", null, null, ad);
    assertThat(searching.userSearch()).isEqualTo(ad);
    assertThat(new LdapUserSearch("dc=x", "(uid={0})", null).nameAttribute()).isEqualTo("uid");

    assertThatThrownBy(() -> byPattern.withUserSearch(ad, null, null)).hasMessageContaining("needs a search account");
    assertRefused("(sAMAccountName=alice)", () -> byPattern.withUserSearch(
        new LdapUserSearch("dc=x", "(sAMAccountName=alice)", null), "cn=svc,dc=x", "secret-1"));
    assertRefused("(uid={0}", () -> byPattern.withUserSearch(
        new LdapUserSearch("dc=x", "(uid={0}", null), "cn=svc,dc=x", "secret-1"));
    assertRefused("not a dn", () -> byPattern.withUserSearch(
        new LdapUserSearch("not a dn", "(uid={0})", null), "cn=svc,dc=x", "secret-1"));
    assertRefused("s AM", () -> byPattern.withUserSearch(
        new LdapUserSearch("dc=x", "(uid={0})", "s AM"), "cn=svc,dc=x", "secret-1"));
    assertThatThrownBy(() -> new LdapSettings("ldaps://h", null, GROUPS, null, null, null, null, null, null))
        .hasMessageContaining("userDnPattern is required (or a userSearch)");
  }

  private static LdapSettings filter(String filter) {
    return new LdapSettings("ldaps://h", USERS, GROUPS, filter, null, null, null, null, null);
  }

  private static void assertRefused(String value, Runnable make) {
    assertThatThrownBy(make::run).as(value).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(value);
  }
}
