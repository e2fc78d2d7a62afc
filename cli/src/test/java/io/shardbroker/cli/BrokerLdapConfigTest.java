package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import io.shardbroker.store.LdapSettings;
import io.shardbroker.store.LdapTransport;
import io.shardbroker.store.LdapUserSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker config file's {@code ldap:} section, as the broker starts with it. */
class BrokerLdapConfigTest {
  private static final String DIRECTORY = """
      ldap:
        url: ldaps://ldap.example.com
        userDnPattern: uid={0},ou=people,dc=example,dc=com
        groupBase: ou=groups,dc=example,dc=com
      """;

  @TempDir
  Path dir;

  @Test
  void adminGroupsAreReadAndThereAreNoneByDefault() throws Exception {
    assertThat(ldap(DIRECTORY).adminGroups()).isEmpty();
    assertThat(ldap(DIRECTORY + "  adminGroups: [\"cn=vdi-admins,ou=groups,dc=example,dc=com\", helpdesk]\n")
        .adminGroups()).isEqualTo(List.of("cn=vdi-admins,ou=groups,dc=example,dc=com", "helpdesk"));
  }

  @Test
  void plainLdapIsRefusedAtStartUnlessStartTlsOrInsecure() throws Exception {
    String plain = DIRECTORY.replace("ldaps://", "ldap://");
    assertThatThrownBy(() -> ldap(plain)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ldap url ldap://ldap.example.com would send users' passwords to the directory in"
            + " plain text: use ldaps://, or add startTls: true, or insecure: true (trials only)");

    LdapTransport startTls = ldap(plain + "  startTls: true\n  caFile: /etc/shardbroker/ldap-ca.pem\n").transport();
    assertThat(startTls).isEqualTo(new LdapTransport(true, Path.of("/etc/shardbroker/ldap-ca.pem"), false));
    assertThat(ldap(plain + "  insecure: true\n").transport()).isEqualTo(LdapTransport.INSECURE);
    assertThat(ldap(DIRECTORY).transport()).isEqualTo(LdapTransport.DEFAULT);
  }

  @Test
  void aUserSearchWithTheSearchAccountsPasswordFromAFile() throws Exception {
    Path passwordFile = Files.writeString(dir.resolve("ldap-password"), "search account password\n");
    String searching = """
        ldap:
          url: ldaps://ad.example.com
          groupBase: ou=groups,dc=example,dc=com
          bindDn: cn=broker,ou=services,dc=example,dc=com
          userSearch: {base: "ou=people,dc=example,dc=com", filter: "(sAMAccountName={0})", nameAttribute: sAMAccountName}
        """;
    LdapSettings settings = ldap(searching + "  bindPasswordFile: " + passwordFile + "\n");

    assertThat(settings.userSearch()).isEqualTo(
        new LdapUserSearch("ou=people,dc=example,dc=com", "(sAMAccountName={0})", "sAMAccountName"));
    assertThat(settings.bindPassword()).isEqualTo("search account password");
    assertThatThrownBy(() -> ldap(searching + "  bindPasswordFile: " + passwordFile + "\n  bindPassword: x\n"))
        .hasMessageContaining("give one, not both");
    assertThatThrownBy(() -> ldap(searching + "  bindPasswordFile: " + dir.resolve("missing") + "\n"))
        .hasMessageContaining("ldap bindPasswordFile " + dir.resolve("missing") + " cannot be read");
  }

  private LdapSettings ldap(String yaml) throws Exception {
    Path file = Files.writeString(dir.resolve("broker.yaml"), yaml);
    return BrokerCommand.ldap(ConfigFiles.read(file, BrokerConfig.class).ldap());
  }
}
