package io.shardbroker.harness;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.security.CertificateAuthority;
import io.shardbroker.security.GrpcLinks;
import io.shardbroker.security.Identity;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * How the roles of an {@link InProcessCluster} reach each other: in-process gRPC (no sockets,
 * for tests on a manual clock), or real loopback sockets with mutual TLS, every certificate
 * issued by a CA made in memory for the cluster and never written anywhere (the demo).
 */
public abstract sealed class InProcessLinks implements AutoCloseable {

  /** In-process gRPC: addresses are names unique to this cluster. */
  public static InProcessLinks inProcess() {
    return new Named();
  }

  /** Loopback sockets on 127.0.0.1 with mutual TLS, or plain text when {@code plaintext}. */
  public static InProcessLinks loopback(boolean plaintext) {
    return new Loopback(plaintext);
  }

  /** Where concentrator {@code id} listens: what the topology names. */
  abstract String address(String id);

  /** A server builder for concentrator {@code id}, at {@link #address}. */
  abstract ServerBuilder<?> concentratorServer(String id);

  /** The channels broker {@code name} opens to concentrators. */
  abstract Function<String, ManagedChannel> brokerChannels(String name);

  /** The channels of a simulated fleet with VMs of {@code pools}. */
  abstract ChannelSource fleetChannels(List<String> pools);

  /** The channels of the real agent of VM {@code vmId}. */
  abstract ChannelSource agentChannels(String vmId);

  /** What the real agent of VM {@code vmId} shows on its display relay: plain text in process. */
  abstract LinkSecurity agentSecurity(String vmId);

  /** What broker {@code name} shows when it dials an agent's display relay. */
  abstract LinkSecurity brokerSecurity(String name);

  /** Ports this keeps for brokers' HTTP APIs (and concentrators on sockets). */
  abstract HeldPorts ports();

  @Override
  public void close() {
    ports().close();
  }

  private static final class Named extends InProcessLinks {
    private final String prefix = "cluster-" + UUID.randomUUID() + "-";
    private final HeldPorts ports = new HeldPorts(InetAddress.getLoopbackAddress());

    @Override
    String address(String id) {
      return prefix + id;
    }

    @Override
    ServerBuilder<?> concentratorServer(String id) {
      return InProcessServerBuilder.forName(address(id));
    }

    @Override
    Function<String, ManagedChannel> brokerChannels(String name) {
      return address -> InProcessChannelBuilder.forName(address).build();
    }

    @Override
    ChannelSource fleetChannels(List<String> pools) {
      return new ChannelSource(address -> InProcessChannelBuilder.forName(address).build());
    }

    @Override
    ChannelSource agentChannels(String vmId) {
      return fleetChannels(List.of());
    }

    @Override
    LinkSecurity agentSecurity(String vmId) {
      return LinkSecurity.PLAINTEXT;
    }

    @Override
    LinkSecurity brokerSecurity(String name) {
      return LinkSecurity.PLAINTEXT;
    }

    @Override
    HeldPorts ports() {
      return ports;
    }
  }

  private static final class Loopback extends InProcessLinks {
    private static final String HOST = "127.0.0.1";

    private final CertificateAuthority ca;
    private final HeldPorts ports = new HeldPorts(InetAddress.getLoopbackAddress());
    private final java.util.Map<String, Integer> concentratorPorts = new java.util.concurrent.ConcurrentHashMap<>();

    Loopback(boolean plaintext) {
      this.ca = plaintext ? null : CertificateAuthority.create("shardbroker local CA", Clock.systemUTC());
    }

    private LinkSecurity issue(Identity identity, List<String> hosts) {
      return ca == null ? LinkSecurity.PLAINTEXT
          : LinkSecurity.tls(ca.issue(identity, hosts, CertificateAuthority.VALIDITY_DEFAULT));
    }

    @Override
    String address(String id) {
      return HOST + ":" + concentratorPorts.computeIfAbsent(id, i -> ports.hold());
    }

    @Override
    ServerBuilder<?> concentratorServer(String id) {
      String address = address(id);
      int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
      return GrpcLinks.server(new InetSocketAddress(HOST, port),
          issue(Identity.of(Role.CONCENTRATOR, id), List.of(HOST)), ConcentratorServer.CALLERS, true);
    }

    @Override
    Function<String, ManagedChannel> brokerChannels(String name) {
      LinkSecurity security = issue(Identity.of(Role.BROKER, name), List.of());
      return address -> GrpcLinks.toConcentrator(address, security);
    }

    @Override
    ChannelSource fleetChannels(List<String> pools) {
      LinkSecurity security = issue(new Identity(Role.FLEET, pools.stream().map(p -> p + "-").toList()),
          List.of());
      return new ChannelSource(address -> GrpcLinks.toConcentrator(address, security));
    }

    @Override
    ChannelSource agentChannels(String vmId) {
      LinkSecurity security = agentSecurity(vmId);
      return new ChannelSource(address -> GrpcLinks.toConcentrator(address, security));
    }

    @Override
    LinkSecurity agentSecurity(String vmId) {
      return issue(Identity.of(Role.AGENT, vmId), List.of());
    }

    @Override
    LinkSecurity brokerSecurity(String name) {
      return issue(Identity.of(Role.BROKER, name), List.of());
    }

    @Override
    HeldPorts ports() {
      return ports;
    }
  }
}
