package io.shardbroker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Enrollers: CAs under the root that brokers hold to certify agents. An agent certified through
 * one gets onto a real TLS link; anything else an enroller signs is refused.
 */
@Timeout(60)
class EnrollerTest {

  private static final Duration YEAR = Duration.ofDays(365);

  private final CertificateAuthority root = CertificateAuthority.create("test CA", Clock.systemUTC());
  private final CertificateAuthority enroller =
      CertificateAuthority.enroller(root.issueEnroller("broker-1", YEAR), Clock.systemUTC());
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void serve() throws Exception {
    TlsCredentials own = root.issue(Identity.of(Role.CONCENTRATOR, "a1"), List.of("127.0.0.1"), YEAR);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcTls.server(own, EnumSet.of(Role.AGENT, Role.BROKER)))
        .intercept(new PeerAuthorization(Map.of(HealthGrpc.SERVICE_NAME, EnumSet.of(Role.AGENT, Role.BROKER))))
        .addService(new HealthStatusManager().getHealthService())
        .build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void anAgentEnrolledWithARequestGetsOnTheLinkAsItsVm() {
    KeyPair agentKeys = CertificateRequests.newKeyPair();  // stays with the agent
    List<X509Certificate> chain = enroller.certifyAgent("vm-0042",
        CertificateRequests.create(agentKeys, "vm-0042"), Duration.ofDays(30));
    TlsCredentials agent = new TlsCredentials(agentKeys.getPrivate(), chain, enroller.root());

    assertThat(agent.identity()).isEqualTo(Identity.of(Role.AGENT, "vm-0042"));
    assertThat(chain).hasSize(2);
    assertThat(check(agent)).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aBrokerCertificateFromAnEnrollerIsRefused() {
    KeyPair keys = CertificateRequests.newKeyPair();
    X509Certificate forged = enroller.sign(Identity.of(Role.BROKER, "b9"), keys.getPublic(), List.of(),
        Instant.now().minusSeconds(60), Instant.now().plus(YEAR));
    TlsCredentials broker = new TlsCredentials(keys.getPrivate(), enroller.chain(forged), enroller.root());
    assertThatThrownBy(() -> check(broker)).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aRequestNotSignedByItsKeyIsRefused() {
    String request = CertificateRequests.create(CertificateRequests.newKeyPair(), "vm-1");
    String body = request.replaceAll("-----[A-Z ]+-----|\\s", "");
    byte[] der = Base64.getDecoder().decode(body);
    der[der.length - 5] ^= 0x01;  // inside the signature
    String tampered = Pem.block("CERTIFICATE REQUEST", der);
    assertThatThrownBy(() -> enroller.certifyAgent("vm-1", tampered, YEAR))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> enroller.certifyAgent("vm-1", "garbage", YEAR))
        .hasMessageContaining("expected one PEM certificate request");
  }

  @Test
  void anEnrollerCannotMakeEnrollers() {
    assertThatThrownBy(() -> enroller.issueEnroller("x", YEAR)).hasMessageContaining("cannot make enrollers");
  }

  private ServingStatus check(TlsCredentials client) {
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .sslContext(GrpcTls.client(client, EnumSet.of(Role.CONCENTRATOR))).build();
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }
}
