package io.shardbroker.concentrator;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.ConcentratorGrpc;

/**
 * Counts the gRPC messages and their bytes on the wire (after framing and compression) that this
 * concentrator receives and sends, by peer: agents (their streams) and brokers (their calls).
 * Benchmarks divide them by the sessions brokered meanwhile; operators see the traffic a
 * concentrator carries. Health checks are not counted.
 *
 * <p>Thread-safe: the counters are Micrometer's, and each stream's tracer only adds to them.
 */
final class WireCounters extends ServerStreamTracer.Factory {

  /** The counters of one kind of peer. */
  private record Peer(Counter messagesIn, Counter messagesOut, Counter bytesIn, Counter bytesOut) {
    static Peer register(MeterRegistry meters, String peer) {
      return new Peer(
          counter(meters, "shardbroker.concentrator.wire.messages", peer, "in", "gRPC messages received"),
          counter(meters, "shardbroker.concentrator.wire.messages", peer, "out", "gRPC messages sent"),
          counter(meters, "shardbroker.concentrator.wire.bytes", peer, "in", "Bytes received on the wire"),
          counter(meters, "shardbroker.concentrator.wire.bytes", peer, "out", "Bytes sent on the wire"));
    }

    private static Counter counter(MeterRegistry meters, String name, String peer, String direction,
        String description) {
      return Counter.builder(name).description(description + ", by peer")
          .tag("peer", peer).tag("direction", direction).register(meters);
    }
  }

  private final Peer agents;
  private final Peer brokers;

  WireCounters(MeterRegistry meters) {
    this.agents = Peer.register(meters, "agent");
    this.brokers = Peer.register(meters, "broker");
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    String service = fullMethodName.substring(0, Math.max(0, fullMethodName.indexOf('/')));
    Peer peer = service.equals(AgentLinkGrpc.SERVICE_NAME) ? agents
        : service.equals(ConcentratorGrpc.SERVICE_NAME) ? brokers
        : null;
    return peer == null ? NOT_COUNTED : new Tracer(peer);
  }

  private static final ServerStreamTracer NOT_COUNTED = new ServerStreamTracer() {};

  private static final class Tracer extends ServerStreamTracer {
    private final Peer peer;

    Tracer(Peer peer) {
      this.peer = peer;
    }

    @Override
    public void inboundMessage(int seqNo) {
      peer.messagesIn().increment();
    }

    @Override
    public void outboundMessage(int seqNo) {
      peer.messagesOut().increment();
    }

    @Override
    public void inboundWireSize(long bytes) {
      peer.bytesIn().increment(bytes);
    }

    @Override
    public void outboundWireSize(long bytes) {
      peer.bytesOut().increment(bytes);
    }
  }
}
