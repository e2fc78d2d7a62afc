package io.shardbroker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The display relay's TLS over a real loopback socket: an agent serves, a broker dials, and
 * certificates of the wrong role are refused on each side.
 */
@Timeout(60)
class JsseTlsTest {

  private static final Duration YEAR = Duration.ofDays(365);
  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());

  @Test
  void aBrokerReachesAnAgentAndEachSeesTheOthersIdentity() throws Exception {
    TlsCredentials agent = ca.issue(Identity.of(Role.AGENT, "vm-7"), List.of(), YEAR);
    TlsCredentials broker = ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR);
    try (SSLServerSocket server = listen(agent, Set.of(Role.BROKER))) {
      CompletableFuture<Identity> client = accept(server);
      try (SSLSocket socket = dial(server, broker, Set.of(Role.AGENT))) {
        socket.startHandshake();
        Identity served = Identity.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        assertThat(served.mayActAsVm("vm-7")).isTrue();
        assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
      }
      assertThat(client.get(10, TimeUnit.SECONDS)).isEqualTo(Identity.of(Role.BROKER, "b1"));
    }
  }

  @Test
  void anAgentCertificateCannotDialAnotherAgentsRelay() throws Exception {
    TlsCredentials agent = ca.issue(Identity.of(Role.AGENT, "vm-7"), List.of(), YEAR);
    TlsCredentials rootOnAnotherVm = ca.issue(Identity.of(Role.AGENT, "vm-8"), List.of(), YEAR);
    try (SSLServerSocket server = listen(agent, Set.of(Role.BROKER))) {
      CompletableFuture<Identity> client = accept(server);
      try (SSLSocket socket = dial(server, rootOnAnotherVm, Set.of(Role.AGENT))) {
        // A TLS 1.3 client learns of the refusal on its first read, or while it still sends its
        // last handshake message when the server has hung up already
        assertThatThrownBy(() -> {
          socket.startHandshake();
          socket.getInputStream().read();
        }).isInstanceOf(IOException.class);
      }
      assertThatThrownBy(() -> client.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aBrokerDoesNotTakeAConcentratorForAnAgent() throws Exception {
    TlsCredentials concentrator = ca.issue(Identity.of(Role.CONCENTRATOR, "c1"), List.of("127.0.0.1"), YEAR);
    TlsCredentials broker = ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR);
    try (SSLServerSocket server = listen(concentrator, Set.of(Role.BROKER))) {
      accept(server);
      try (SSLSocket socket = dial(server, broker, Set.of(Role.AGENT))) {
        assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLHandshakeException.class);
      }
    }
  }

  private static SSLServerSocket listen(TlsCredentials credentials, Set<Role> clients) throws IOException {
    SSLContext context = JsseTls.context(credentials, clients);
    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 4, InetAddress.getLoopbackAddress());
    server.setSSLParameters(JsseTls.parameters(context, true));
    return server;
  }

  private static SSLSocket dial(SSLServerSocket server, TlsCredentials credentials, Set<Role> servers)
      throws IOException {
    SSLContext context = JsseTls.context(credentials, servers);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.setSSLParameters(JsseTls.parameters(context, false));
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /** The identity of the next client, once its handshake is done. */
  private static CompletableFuture<Identity> accept(SSLServerSocket server) {
    return CompletableFuture.supplyAsync(() -> {
      try (SSLSocket socket = (SSLSocket) server.accept()) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        Identity client = Identity.of((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        socket.getOutputStream().write(1);
        socket.getOutputStream().flush();
        return client;
      } catch (IOException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }
}
