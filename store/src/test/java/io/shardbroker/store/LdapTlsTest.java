package io.shardbroker.store;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.LDAPException;
import io.shardbroker.protocol.Reason;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.Pem;
import io.shardbroker.security.TlsCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The link to the directory carries passwords: over ldaps:// and StartTLS against a real server in
 * this JVM with a certificate of a test CA, and never in plain text unless declared insecure.
 */
@Timeout(60)
class LdapTlsTest {
  private static final String PASSWORD = "alice's directory password";
  private static final String USERS = "uid={0}," + TestDirectory.PEOPLE;
  private static final LdapTransport START_TLS = new LdapTransport(true, null, false);

  @TempDir
  Path dir;

  /** The real clock: the JDK checks the certificates' validity against it. */
  private final Clock clock = Clock.systemUTC();
  private final CertificateAuthority ca = CertificateAuthority.create("ldap test CA", clock);
  private final TlsCredentials localhost = ca.issueWebServer(List.of("localhost"), Duration.ofDays(1));

  @Test
  void ldapsAndStartTlsSignInTrustingTheConfiguredCa() throws Exception {
    Path caFile = pem("ca.pem", ca.certificate());
    try (TestDirectory ldaps = withUser(ldapsListener(localhost));
        TestDirectory startTls = withUser(startTlsListener(localhost))) {
      LdapSettings overLdaps = LdapSettings.of("ldaps://localhost:" + ldaps.port(), USERS, TestDirectory.GROUPS,
          new LdapTransport(false, caFile, false));
      LdapSettings overStartTls = LdapSettings.of("ldap://localhost:" + startTls.port(), USERS,
          TestDirectory.GROUPS, new LdapTransport(true, caFile, false));

      assertThat(new LdapDirectory(overLdaps).authenticate("alice", PASSWORD)).map(DirectoryUser::name)
          .contains("alice");
      assertThat(new LdapDirectory(overStartTls).authenticate("alice", PASSWORD)).map(DirectoryUser::name)
          .contains("alice");
      assertThat(ldaps.binds()).hasSize(1);
      assertThat(startTls.binds()).hasSize(1);
    }
  }

  @Test
  void aCertificateNotTrustedOrForAnotherHostIsUnavailableAndNoPasswordIsSent() throws Exception {
    Path otherCa = pem("other-ca.pem", CertificateAuthority.create("another CA", clock).certificate());
    Path caFile = pem("ca.pem", ca.certificate());
    TlsCredentials elsewhere = ca.issueWebServer(List.of("ldap.example.com"), Duration.ofDays(1));
    try (TestDirectory ldaps = withUser(ldapsListener(localhost));
        TestDirectory startTls = withUser(startTlsListener(localhost));
        TestDirectory ldapsElsewhere = withUser(ldapsListener(elsewhere));
        TestDirectory startTlsElsewhere = withUser(startTlsListener(elsewhere))) {
      for (boolean useStartTls : new boolean[] {false, true}) {
        String scheme = useStartTls ? "ldap://localhost:" : "ldaps://localhost:";
        TestDirectory server = useStartTls ? startTls : ldaps;
        // The CA of the file did not issue the server's certificate; nor does the JDK trust this CA.
        assertUnavailable(scheme + server.port(), new LdapTransport(useStartTls, otherCa, false));
        assertUnavailable(scheme + server.port(), new LdapTransport(useStartTls, null, false));
        // Issued by the trusted CA, but for another host than the one dialled.
        TestDirectory other = useStartTls ? startTlsElsewhere : ldapsElsewhere;
        assertUnavailable(scheme + other.port(), new LdapTransport(useStartTls, caFile, false));
        assertThat(server.binds()).as(scheme).isEmpty();
        assertThat(other.binds()).as(scheme).isEmpty();
      }
    }
  }

  @Test
  void startTlsWithAServerThatDoesNotOfferItIsUnavailableAndNoPasswordIsSent() {
    try (TestDirectory plain = withUser(new TestDirectory())) {
      assertUnavailable("ldap://localhost:" + plain.port(), START_TLS);
      assertThat(plain.binds()).isEmpty();
    }
  }

  @Test
  void insecurePlainLdapLogsAWarningAtStart() {
    Logger directoryLog = (Logger) LoggerFactory.getLogger(LdapDirectory.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    directoryLog.addAppender(logged);
    try {
      new LdapDirectory(LdapSettings.of("ldap://ldap.example.com", USERS, TestDirectory.GROUPS,
          LdapTransport.INSECURE));
      new LdapDirectory(LdapSettings.of("ldap://ldap.example.com", USERS, TestDirectory.GROUPS, START_TLS));
    } finally {
      directoryLog.detachAppender(logged);
    }
    assertThat(logged.list).singleElement().satisfies(event -> {
      assertThat(event.getLevel()).isEqualTo(Level.WARN);
      assertThat(event.getFormattedMessage()).startsWith("INSECURE: the LDAP directory ldap://ldap.example.com"
          + " is reached in plain text (ldap insecure: true)");
    });
  }

  private void assertUnavailable(String url, LdapTransport transport) {
    LdapDirectory directory = new LdapDirectory(LdapSettings.of(url, USERS, TestDirectory.GROUPS, transport));
    assertThat(TestData.failure(() -> directory.authenticate("alice", PASSWORD)).kind())
        .as(url + " " + transport).isEqualTo(Reason.DIRECTORY_UNAVAILABLE);
  }

  private static TestDirectory withUser(TestDirectory server) {
    server.addUser("alice", "Alice Liddell", PASSWORD);
    return server;
  }

  private static TestDirectory withUser(InMemoryListenerConfig listener) {
    return withUser(new TestDirectory(listener));
  }

  private static InMemoryListenerConfig ldapsListener(TlsCredentials server) throws Exception {
    SSLContext tls = serverContext(server);
    return InMemoryListenerConfig.createLDAPSConfig("ldaps", InetAddress.getLoopbackAddress(), 0,
        tls.getServerSocketFactory(), null);
  }

  private static InMemoryListenerConfig startTlsListener(TlsCredentials server) throws Exception {
    return InMemoryListenerConfig.createLDAPConfig("starttls", InetAddress.getLoopbackAddress(), 0,
        serverContext(server).getSocketFactory());
  }

  private static SSLContext serverContext(TlsCredentials server) throws GeneralSecurityException, IOException {
    char[] password = "test".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", server.key(), password, server.chain().toArray(X509Certificate[]::new));
    KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    managers.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(managers.getKeyManagers(), null, null);
    return context;
  }

  private Path pem(String name, X509Certificate certificate) throws IOException {
    return Files.writeString(dir.resolve(name), Pem.certificates(List.of(certificate)));
  }
}
