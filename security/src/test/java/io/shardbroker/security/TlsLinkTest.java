package io.shardbroker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual TLS over real sockets: a server that takes brokers only, and clients that try to get in
 * without the right certificate. The service is gRPC's standard health service.
 */
@Timeout(60)
class TlsLinkTest {

  private static final Duration YEAR = Duration.ofDays(365);
  private static final Set<Role> CLIENTS = EnumSet.of(Role.BROKER, Role.AGENT);

  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
    for (Server s : servers) {
      s.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aBrokerCertificateOfTheCaGetsIn() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    assertThat(check(port, "127.0.0.1", ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR)))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aForgedAgentCertificateFromAnotherCaIsRefused() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    CertificateAuthority forger = CertificateAuthority.create("test CA", Clock.systemUTC());
    TlsCredentials forged = forger.issue(Identity.of(Role.AGENT, "vm-1"), List.of(), YEAR);
    // the forger trusts our CA, so only the server's check of the client certificate can fail
    TlsCredentials presented = new TlsCredentials(forged.key(), forged.chain(), ca.certificate());
    assertRefused(port, "127.0.0.1", presented, Status.Code.UNAVAILABLE);
  }

  @Test
  void aSelfSignedCertificateClaimingAnAgentIsRefused() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    KeyPair pair = Keys.generate();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=vm-1");
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
        Date.from(now.minusSeconds(60)), Date.from(now.plus(YEAR)), name, pair.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(
        GeneralName.uniformResourceIdentifier, Identity.of(Role.AGENT, "vm-1").uris().get(0).toString())));
    var selfSigned = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    assertRefused(port, "127.0.0.1", new TlsCredentials(pair.getPrivate(), List.of(selfSigned), ca.certificate()),
        Status.Code.UNAVAILABLE);
  }

  @Test
  void aPlainTextClientIsRefused() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(plain);
    assertThatThrownBy(() -> HealthGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aRoleTheLinkDoesNotExpectIsRefusedInTheHandshake() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    assertRefused(port, "127.0.0.1", ca.issue(Identity.of(Role.FLEET, "desktop-"), List.of(), YEAR),
        Status.Code.UNAVAILABLE);
  }

  @Test
  void aRoleTheServiceDoesNotAllowIsDeniedWithAReason() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    assertThatThrownBy(() -> check(port, "127.0.0.1", ca.issue(Identity.of(Role.AGENT, "vm-1"), List.of(), YEAR)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).contains("agent certificate may not call grpc.health.v1.Health");
        });
  }

  @Test
  void anExpiredClientCertificateIsRefused() throws Exception {
    int port = serve(concentrator("127.0.0.1"));
    Clock lastYear = Clock.fixed(Instant.now().minus(Duration.ofDays(400)), ZoneOffset.UTC);
    TlsCredentials expired = CertificateAuthority.load(saved(ca), lastYear)
        .issue(Identity.of(Role.BROKER, "b1"), List.of(), Duration.ofDays(30));
    assertRefused(port, "127.0.0.1", expired, Status.Code.UNAVAILABLE);
  }

  @Test
  void aClientRefusesAServerWhoseCertificateIsForAnotherHost() throws Exception {
    int port = serve(concentrator("concentrator-a1.example"));
    assertRefused(port, "127.0.0.1", ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR),
        Status.Code.UNAVAILABLE, "No subject alternative names matching IP address 127.0.0.1");
  }

  @Test
  void aClientRefusesAServerThatIsNotAConcentrator() throws Exception {
    // right CA, right address, but the certificate does not name a concentrator
    int port = serve(ca.issue(Identity.of(Role.FLEET, "x-"), List.of(), YEAR));
    assertRefused(port, "127.0.0.1", ca.issue(Identity.of(Role.BROKER, "b1"), List.of(), YEAR),
        Status.Code.UNAVAILABLE, "Extended key usage does not permit use for TLS server authentication");
  }

  private TlsCredentials concentrator(String host) {
    return ca.issue(Identity.of(Role.CONCENTRATOR, "a1"), List.of(host), YEAR);
  }

  private int serve(TlsCredentials credentials) throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcTls.server(credentials, CLIENTS))
        .intercept(new PeerAuthorization(Map.of(HealthGrpc.SERVICE_NAME, EnumSet.of(Role.BROKER))))
        .addService(health.getHealthService())
        .build().start();
    servers.add(server);
    return server.getPort();
  }

  private ServingStatus check(int port, String host, TlsCredentials client) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(host, port)
        .sslContext(GrpcTls.client(client, EnumSet.of(Role.CONCENTRATOR)))
        .build();
    channels.add(channel);
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private void assertRefused(int port, String host, TlsCredentials client, Status.Code code) {
    assertRefused(port, host, client, code, null);
  }

  /** @param why what the client's own check says, when the client is the one that refuses */
  private void assertRefused(int port, String host, TlsCredentials client, Status.Code code, String why) {
    assertThatThrownBy(() -> check(port, host, client))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          if (why != null) {
            Throwable root = e;
            while (root.getCause() != null) {
              root = root.getCause();
            }
            assertThat(root).hasMessageContaining(why);
          }
          assertThat(e.getStatus().getCode()).isEqualTo(code);
        });
  }

  private static java.nio.file.Path saved(CertificateAuthority authority) throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ca");
    java.nio.file.Files.delete(dir);
    authority.save(dir);
    return dir;
  }
}
