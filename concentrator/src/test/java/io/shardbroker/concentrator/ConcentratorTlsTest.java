package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.CountVmsRequest;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.VmView;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.GrpcTls;
import io.shardbroker.security.Identity;
import io.shardbroker.security.PeerAuthorization;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import io.shardbroker.testing.FakeClock;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A concentrator on a real socket with mutual TLS, as the CLI runs it: each role's certificate
 * gets it only what that role may do.
 */
@Timeout(60)
class ConcentratorTlsTest {

  private static final Duration DAY = Duration.ofDays(1);

  private final CertificateAuthority ca = CertificateAuthority.create("test CA", Clock.systemUTC());
  private final FakeClock clock = new FakeClock();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ConcentratorServer server;

  @BeforeEach
  void start() throws Exception {
    TlsCredentials own = ca.issue(Identity.of(Role.CONCENTRATOR, "conc-1"), List.of("127.0.0.1"), DAY);
    server = new ConcentratorServer(
        ConcentratorSettings.defaults("conc-1", "set-a", TestConcentrator.TOPOLOGY),
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(GrpcTls.server(own, EnumSet.of(Role.AGENT, Role.FLEET, Role.BROKER)))
            .intercept(new PeerAuthorization(ConcentratorServer.CALLERS)),
        clock, clock, new SimpleMeterRegistry()).start();
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
  }

  @Test
  void anAgentAttachesAsTheVmItsCertificateNames() {
    FakeAgent agent = FakeAgent.attachOverNetwork(channel(Identity.of(Role.AGENT, "vm-1")), "vm-1", "desktop", 1,
        FakeAgent.state(1, true));
    assertThat(agent.received().get(0).getWelcome().getConcentratorId()).isEqualTo("conc-1");
    assertThat(listedVms()).extracting(VmView::getVmId).containsExactly("vm-1");
  }

  @Test
  void anAgentCertificateForOneVmCannotAttachAsAnother() {
    FakeAgent impostor = hello(channel(Identity.of(Role.AGENT, "vm-1")), "vm-2");
    Status status = impostor.awaitClosedOverNetwork();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("agent vm-1", "VM vm-2");
    assertThat(listedVms()).isEmpty();
  }

  @Test
  void aFleetAttachesOnlyVmsWithItsPrefixes() {
    ManagedChannel fleet = channel(new Identity(Role.FLEET, List.of("desktop-")));
    FakeAgent.attachOverNetwork(fleet, "desktop-00001", "desktop", 1, FakeAgent.state(1, true));  // waits for its Welcome
    FakeAgent outside = hello(fleet, "engineering-00001");
    assertThat(outside.awaitClosedOverNetwork().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(listedVms()).extracting(VmView::getVmId).containsExactly("desktop-00001");
  }

  @Test
  void anAgentCannotUseTheBrokersApi() {
    ManagedChannel agent = channel(Identity.of(Role.AGENT, "vm-1"));
    ConcentratorGrpc.ConcentratorBlockingStub stub =
        ConcentratorGrpc.newBlockingStub(agent).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stub.listVms(ListVmsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> stub.countVms(CountVmsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void aBrokerCannotAttachAsAVm() {
    FakeAgent broker = hello(channel(Identity.of(Role.BROKER, "b1")), "vm-1");
    assertThat(broker.awaitClosedOverNetwork().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  /** Opens a stream and says hello as {@code vmId}, without waiting for a Welcome. */
  private static FakeAgent hello(ManagedChannel channel, String vmId) {
    FakeAgent agent = FakeAgent.open(channel, vmId);
    agent.hello(FakeAgent.hello(vmId, "desktop", 1, FakeAgent.state(1, true)));
    return agent;
  }

  private List<VmView> listedVms() {
    return ConcentratorGrpc.newBlockingStub(channel(Identity.of(Role.BROKER, "b1")))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listVms(ListVmsRequest.getDefaultInstance()).getVmsList();
  }

  private ManagedChannel channel(Identity as) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .sslContext(GrpcTls.client(ca.issue(as, List.of(), DAY), EnumSet.of(Role.CONCENTRATOR)))
        .build();
    channels.add(channel);
    return channel;
  }
}
