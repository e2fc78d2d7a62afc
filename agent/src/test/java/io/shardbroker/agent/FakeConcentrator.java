package io.shardbroker.agent;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.HeartbeatAck;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.Welcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A concentrator that records what agents send it, served over in-process gRPC under its own
 * name (which is also its address in a topology). It can welcome streams by itself, or leave the
 * test to send messages and close streams.
 */
public final class FakeConcentrator extends AgentLinkGrpc.AgentLinkImplBase implements AutoCloseable {

  private static final AtomicInteger NAMES = new AtomicInteger();

  private final String id;
  private final String setId;
  private final String address;
  private final boolean autoWelcome;
  private final Server server;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private volatile boolean acknowledging = true;
  private volatile boolean serving = true;
  private final AtomicInteger healthChecks = new AtomicInteger();

  private FakeConcentrator(String id, String setId, boolean autoWelcome) {
    this.id = id;
    this.setId = setId;
    this.autoWelcome = autoWelcome;
    this.address = "fake-concentrator-" + id + "-" + NAMES.incrementAndGet();
    try {
      this.server = InProcessServerBuilder.forName(address).directExecutor()
          .addService(this)
          .addService(new HealthService())
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A concentrator that leaves welcoming to the test. */
  public static FakeConcentrator manual(String id, String setId) {
    return new FakeConcentrator(id, setId, false);
  }

  /** A concentrator that welcomes every Hello at once, with a 1 s heartbeat interval. */
  public static FakeConcentrator welcoming(String id, String setId) {
    return new FakeConcentrator(id, setId, true);
  }

  public String id() {
    return id;
  }

  /**
   * From now on, heartbeats get no acknowledgement, even those that ask: a concentrator cut off or
   * hung. Until then, those that ask get one, as from a real concentrator.
   */
  public void stopAcknowledging() {
    acknowledging = false;
  }

  /** Whether health checks are answered (true) or fail as UNAVAILABLE (a concentrator still down). */
  public void serving(boolean answer) {
    serving = answer;
  }

  /** How many health checks this concentrator was asked, served or not. */
  public int healthChecks() {
    return healthChecks.get();
  }

  /**
   * The standard gRPC health service, which agents on a fallback ask to find their preferred
   * concentrator back (as a real concentrator serves it, to every role).
   */
  private final class HealthService extends HealthGrpc.HealthImplBase {
    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> responses) {
      healthChecks.incrementAndGet();
      if (serving) {
        responses.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
        responses.onCompleted();
      } else {
        responses.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
      }
    }
  }

  public ConcentratorEndpoint endpoint() {
    return ConcentratorEndpoint.newBuilder().setId(id).setAddress(address).build();
  }

  /** Every stream an agent opened here, oldest first. */
  public List<Stream> streams() {
    return List.copyOf(streams);
  }

  /** The newest stream; fails when there is none. */
  public Stream lastStream() {
    List<Stream> all = streams();
    if (all.isEmpty()) {
      throw new AssertionError("no agent has attached to " + id);
    }
    return all.get(all.size() - 1);
  }

  public Welcome welcome(int heartbeatMs, Topology topology) {
    Welcome.Builder w = Welcome.newBuilder()
        .setConcentratorId(id).setSetId(setId).setHeartbeatIntervalMs(heartbeatMs);
    if (topology != null) {
      w.setTopology(topology);
    }
    return w.build();
  }

  @Override
  public StreamObserver<AgentMessage> attach(StreamObserver<ConcentratorMessage> out) {
    Stream stream = new Stream(out);
    streams.add(stream);
    return stream;
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  /** One agent's stream, as this concentrator sees it. */
  public final class Stream implements StreamObserver<AgentMessage> {
    private final StreamObserver<ConcentratorMessage> out;
    private final List<AgentMessage> received = new CopyOnWriteArrayList<>();
    private volatile boolean completedByAgent;
    private volatile Throwable errorFromAgent;
    // Guarded by this: the response observer is not thread-safe.
    private boolean closed;

    private Stream(StreamObserver<ConcentratorMessage> out) {
      this.out = out;
    }

    public List<AgentMessage> received() {
      return List.copyOf(received);
    }

    /** The received messages of one kind, in order. */
    public List<AgentMessage> received(AgentMessage.BodyCase kind) {
      return received.stream().filter(m -> m.getBodyCase() == kind).toList();
    }

    /** True once the agent half-closed the stream gracefully. */
    public boolean completedByAgent() {
      return completedByAgent;
    }

    public Throwable errorFromAgent() {
      return errorFromAgent;
    }

    public synchronized void send(ConcentratorMessage message) {
      if (!closed) {
        out.onNext(message);
      }
    }

    public void sendWelcome(int heartbeatMs, Topology topology) {
      send(ConcentratorMessage.newBuilder().setWelcome(welcome(heartbeatMs, topology)).build());
    }

    /** Ends the stream with an error, as a failing or refusing concentrator does. */
    public synchronized void fail(Status status) {
      if (!closed) {
        closed = true;
        out.onError(status.asRuntimeException());
      }
    }

    @Override
    public void onNext(AgentMessage message) {
      received.add(message);
      if (autoWelcome && message.hasHello()) {
        sendWelcome(1_000, null);
      }
      if (acknowledging && message.hasHeartbeat() && message.getHeartbeat().getAckWanted()) {
        send(ConcentratorMessage.newBuilder()
            .setHeartbeatAck(HeartbeatAck.newBuilder().setSequence(message.getHeartbeat().getSequence()))
            .build());
      }
    }

    @Override
    public void onError(Throwable t) {
      errorFromAgent = t;
      synchronized (this) {
        closed = true;
      }
    }

    @Override
    public void onCompleted() {
      completedByAgent = true;
      synchronized (this) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    }
  }
}
