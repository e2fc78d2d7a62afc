package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import io.shardbroker.protocol.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sign-in against a real LDAP server in this JVM: binds, names, groups, and failures that are not refusals. */
@Timeout(60)
class LdapDirectoryTest {
  private static final String PASSWORD = "alice's directory password";

  private final TestDirectory server = new TestDirectory();
  private final String alice = server.addUser("alice", "Alice Liddell", PASSWORD);

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void theRightPasswordSignsInWithTheDisplayNameAndTheGroups() {
    server.addGroup("staff", alice);
    server.addGroup("engineering", alice, TestDirectory.dnOf("bob", TestDirectory.PEOPLE));
    server.addGroup("sales", TestDirectory.dnOf("bob", TestDirectory.PEOPLE));
    // A group of the other kind, named by its RDN although it has a second name.
    server.add(new Entry("cn=cad-users," + TestDirectory.GROUPS,
        new Attribute("objectClass", "top", "groupOfUniqueNames"), new Attribute("cn", "cad-users", "CAD users"),
        new Attribute("uniqueMember", alice)));

    Optional<DirectoryUser> user = new LdapDirectory(server.settings()).authenticate("alice", PASSWORD);

    assertThat(user).contains(
        new DirectoryUser("alice", "Alice Liddell", List.of("cad-users", "engineering", "staff")));
    assertThat(server.binds()).containsExactly(alice);
  }

  @Test
  void aWrongPasswordAnUnknownNameAndAnEmptyPasswordAreRefused() {
    LdapDirectory directory = new LdapDirectory(server.settings());

    assertThat(directory.authenticate("alice", PASSWORD + "x")).isEmpty();
    assertThat(directory.authenticate("alice", "alice's DIRECTORY password")).isEmpty();
    assertThat(directory.authenticate("nobody", PASSWORD)).isEmpty();
    assertThat(server.binds()).hasSize(3);

    // LDAP takes a bind without a password for an anonymous one, which "succeeds": never send one.
    assertThat(directory.authenticate("alice", "")).isEmpty();
    assertThat(directory.authenticate("alice", null)).isEmpty();
    assertThat(directory.authenticate("", PASSWORD)).isEmpty();
    assertThat(directory.authenticate(null, PASSWORD)).isEmpty();
    assertThat(server.binds()).hasSize(3);
  }

  @Test
  void aNameIsOneEscapedValueAndCannotReachAnotherEntryOrWidenTheGroupSearch() {
    // Without escaping, the name "x,ou=admins" would be the DN of this admin.
    String admins = server.addUnit("admins", TestDirectory.PEOPLE);
    server.addUser("x", admins, "The admin", "admin password");
    String literal = server.addUser("x,ou=admins", "Literal X", "literal password");
    // Without escaping, this one's DN in the group filter would be a wildcard: every group.
    String star = server.addUser("a*)(uid=*", "Star", "star password");
    server.addGroup("admins", TestDirectory.dnOf("x", admins));
    server.addGroup("stars", star);
    server.addGroup("literals", literal);
    LdapDirectory directory = new LdapDirectory(server.settings());

    assertThat(directory.authenticate("x,ou=admins", "admin password")).isEmpty();
    assertThat(directory.authenticate("x,ou=admins", "literal password"))
        .contains(new DirectoryUser("x,ou=admins", "Literal X", List.of("literals")));
    assertThat(directory.authenticate("a*)(uid=*", "star password"))
        .contains(new DirectoryUser("a*)(uid=*", "Star", List.of("stars")));
    assertThat(directory.authenticate("*", PASSWORD)).isEmpty();
    assertThat(directory.authenticate("alice)(|(uid=*", PASSWORD)).isEmpty();
    assertThat(directory.authenticate("alice,ou=people,dc=example,dc=com", PASSWORD)).isEmpty();
    assertThat(server.binds()).doesNotContain(TestDirectory.dnOf("x", admins));
  }

  @Test
  void onlyTheMappedGroupsMakeAnAdminNeverAGroupNamedAdmins() {
    String bob = server.addUser("bob", "Bob", "bob's password");
    String carol = server.addUser("carol", "Carol", "carol's password");
    String dora = server.addUser("dora", "Dora", "dora's password");
    server.addGroup("admins", alice);
    server.addGroup("vdi-admins", bob);
    server.addGroup("helpdesk", carol);
    // Same name as the group mapped by DN, elsewhere under the group base: not that group.
    String elsewhere = server.addUnit("elsewhere", TestDirectory.GROUPS);
    server.add(new Entry("cn=vdi-admins," + elsewhere, new Attribute("objectClass", "top", "groupOfNames"),
        new Attribute("cn", "vdi-admins"), new Attribute("member", dora)));
    LdapDirectory directory = new LdapDirectory(server.settings().withAdminGroups(
        List.of("CN=VDI-Admins, OU=Groups, DC=example, DC=com", "HelpDesk")));

    assertThat(directory.authenticate("alice", PASSWORD)).contains(
        new DirectoryUser("alice", "Alice Liddell", List.of("admins"), false));
    assertThat(directory.authenticate("bob", "bob's password")).map(DirectoryUser::admin).contains(true);
    assertThat(directory.authenticate("carol", "carol's password")).map(DirectoryUser::admin).contains(true);
    assertThat(directory.authenticate("dora", "dora's password")).contains(
        new DirectoryUser("dora", "Dora", List.of("vdi-admins"), false));
    assertThat(new LdapDirectory(server.settings()).authenticate("bob", "bob's password"))
        .map(DirectoryUser::admin).contains(false);
  }

  @Test
  void aUserFoundBySearchSignsInAsTheOneEntryThatMatches() {
    server.addGroup("staff", alice);
    server.addValue(alice, "mail", "alice@example.com");
    String account = server.addUser("broker", "Broker", "search account password");
    // Like Active Directory's (userPrincipalName={0}); the standard schema has no AD attributes.
    LdapDirectory directory = new LdapDirectory(searchingByMail(account));

    DirectoryUser expected = new DirectoryUser("alice", "Alice Liddell", List.of("staff"));
    assertThat(directory.authenticate("alice@example.com", PASSWORD)).contains(expected);
    assertThat(server.binds()).containsExactly(account, alice, account);
    assertThat(directory.authenticate("ALICE@example.COM", PASSWORD)).contains(expected);

    assertThat(directory.authenticate("alice@example.com", "wrong password")).isEmpty();
    assertThat(directory.authenticate("alice", PASSWORD)).isEmpty();
    assertThat(directory.authenticate("nobody@example.com", PASSWORD)).isEmpty();
  }

  @Test
  void aSearchThatFindsSeveralEntriesIsAWrongNameAndBindsAsNone() {
    String account = server.addUser("broker", "Broker", "search account password");
    String twin = server.addUser("alice2", "Alice Twin", PASSWORD);
    server.addValue(alice, "mail", "alice@example.com");
    server.addValue(twin, "mail", "alice@example.com");

    assertThat(new LdapDirectory(searchingByMail(account)).authenticate("alice@example.com", PASSWORD)).isEmpty();
    assertThat(server.binds()).containsExactly(account);
  }

  @Test
  void aFilterInjectionInTheSearchedNameMatchesNothing() {
    String account = server.addUser("broker", "Broker", "search account password");
    server.addValue(alice, "mail", "alice@example.com");
    LdapDirectory directory = new LdapDirectory(searchingByMail(account));

    for (String name : new String[] {"*", "*)(uid=*", "*)(mail=*", "alice@example.com)(|(mail=*",
        "*)(|(objectClass=*", "alice@example.com)(objectClass=*", "\\2a", "alice*"}) {
      assertThat(directory.authenticate(name, PASSWORD)).as(name).isEmpty();
    }
    assertThat(server.binds()).containsOnly(account);
  }

  /** Users found by their mail as {@code account}, named in the store by their uid. */
  private LdapSettings searchingByMail(String account) {
    return server.settings().withUserSearch(new LdapUserSearch(TestDirectory.PEOPLE,
        "(&(objectClass=inetOrgPerson)(mail={0}))", "uid"), account, "search account password");
  }

  @Test
  void theNameIsTheDirectorysHoweverItWasTyped() {
    server.addGroup("staff", alice);

    assertThat(new LdapDirectory(server.settings()).authenticate("ALICE", PASSWORD))
        .contains(new DirectoryUser("alice", "Alice Liddell", List.of("staff")));
  }

  @Test
  void aSearchAccountReadsTheEntryAndSearchesGroupsWhenOneIsSet() {
    server.addGroup("staff", alice);
    String account = server.addUser("broker", "Broker", "search account password");
    LdapSettings settings = server.settings().withBindAccount(account, "search account password");

    assertThat(new LdapDirectory(settings).authenticate("alice", PASSWORD))
        .contains(new DirectoryUser("alice", "Alice Liddell", List.of("staff")));
    assertThat(server.binds()).containsExactly(alice, account);

    // A wrong search account password is the broker's fault, not the user's: not a refusal.
    LdapDirectory misconfigured = new LdapDirectory(settings.withBindAccount(account, "wrong password"));
    assertThat(TestData.failure(() -> misconfigured.authenticate("alice", PASSWORD)).kind())
        .isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
    assertThat(misconfigured.authenticate("alice", "wrong password")).isEmpty();
  }

  @Test
  void aDirectoryThatIsDownIsUnavailableNotAWrongPassword() {
    LdapDirectory directory = new LdapDirectory(server.settings());
    server.stop();

    for (String password : new String[] {PASSWORD, "wrong password"}) {
      StoreException e = TestData.failure(() -> directory.authenticate("alice", password));
      assertThat(e.kind()).isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
      assertThat(e.getMessage()).startsWith("the sign-in directory failed").doesNotContain(password);
    }
  }

  @Test
  void aDirectoryThatDoesNotAnswerIsUnavailableAfterTheTimeout() throws IOException {
    // Connections complete (the kernel accepts them) but nothing ever answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      LdapSettings settings = LdapSettings.of("ldap://127.0.0.1:" + silent.getLocalPort(),
          "uid={0}," + TestDirectory.PEOPLE, TestDirectory.GROUPS, LdapTransport.INSECURE).withTimeout(Duration.ofMillis(300));
      LdapDirectory directory = new LdapDirectory(settings);

      StoreException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> TestData.failure(() -> directory.authenticate("alice", PASSWORD)));
      assertThat(e.kind()).isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
    }
  }
}
