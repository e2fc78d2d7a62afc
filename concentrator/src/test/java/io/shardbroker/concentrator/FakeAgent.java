package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.Heartbeat;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartRequest;
import io.shardbroker.protocol.v1.StateUpdate;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.Welcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A hand-written agent for tests: it opens {@code AgentLink.Attach} over the given channel, sends
 * what the test tells it to, and records every {@link ConcentratorMessage} and the status the
 * stream ends with. It decides nothing by itself; the test plays the agent's part.
 *
 * <p>Sends happen on the test's thread only (a stream observer is not thread-safe). Over the
 * in-process transport on direct executors ({@link TestConcentrator}) what the concentrator sends
 * has arrived by the time the step that caused it returns, so the methods that take a message
 * wait for nothing; only over a real network ({@code ConcentratorTlsTest}) does a test wait, with
 * the methods named so.
 */
final class FakeAgent {

  static final Duration WAIT = Duration.ofSeconds(5);

  /**
   * Asserts that what a step caused has happened: in-process, on direct executors, it has by the
   * time the step returns; a condition that does not hold now never will.
   */
  static void holdsNow(BooleanSupplier condition) {
    assertThat(condition.getAsBoolean()).as("the condition holds once the step has returned").isTrue();
  }

  final String vmId;
  private final ClientCallStreamObserver<AgentMessage> requests;
  // Guarded by this.
  private final List<ConcentratorMessage> received = new ArrayList<>();
  // Guarded by this: how many messages of each kind the test has taken with await*.
  private final Map<ConcentratorMessage.BodyCase, Integer> taken =
      new EnumMap<>(ConcentratorMessage.BodyCase.class);
  private final CompletableFuture<Status> closed = new CompletableFuture<>();

  private FakeAgent(String vmId, Channel channel) {
    this.vmId = vmId;
    CompletableFuture<ClientCallStreamObserver<AgentMessage>> started = new CompletableFuture<>();
    AgentLinkGrpc.newStub(channel).attach(new ClientResponseObserver<AgentMessage, ConcentratorMessage>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<AgentMessage> requestStream) {
        started.complete(requestStream);
      }

      @Override
      public void onNext(ConcentratorMessage message) {
        synchronized (FakeAgent.this) {
          received.add(message);
        }
      }

      @Override
      public void onError(Throwable t) {
        closed.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        closed.complete(Status.OK);
      }
    });
    this.requests = started.join();  // beforeStart runs inside attach(), on this thread
  }

  /** Opens a stream and sends nothing yet. */
  static FakeAgent open(Channel channel, String vmId) {
    return new FakeAgent(vmId, channel);
  }

  /** Opens a stream in-process, says hello and takes the Welcome. */
  static FakeAgent attach(Channel channel, String vmId, String pool, int capacity, VmState state) {
    FakeAgent agent = open(channel, vmId);
    agent.hello(hello(vmId, pool, capacity, state));
    agent.welcomed();
    return agent;
  }

  /** Opens a stream over a real network, says hello and waits for the Welcome, bounded. */
  static FakeAgent attachOverNetwork(Channel channel, String vmId, String pool, int capacity, VmState state) {
    FakeAgent agent = open(channel, vmId);
    agent.hello(hello(vmId, pool, capacity, state));
    await().atMost(WAIT).until(() -> agent.count(ConcentratorMessage.BodyCase.WELCOME) > 0);
    agent.welcomed();
    return agent;
  }

  static Hello hello(String vmId, String pool, int capacity, VmState state) {
    return Hello.newBuilder()
        .setVmId(vmId)
        .setPool(pool)
        .setCapacity(capacity)
        .setAgentVersion("test")
        .setIncarnation("run-1")
        .setState(state)
        .build();
  }

  // ---- what an agent sends -------------------------------------------------------------------

  void send(AgentMessage message) {
    requests.onNext(message);
  }

  void hello(Hello hello) {
    send(AgentMessage.newBuilder().setHello(hello).build());
  }

  void state(VmState state) {
    send(AgentMessage.newBuilder().setState(StateUpdate.newBuilder().setState(state)).build());
  }

  void heartbeat(long sequence) {
    heartbeat(sequence, false);
  }

  void heartbeat(long sequence, boolean ackWanted) {
    send(AgentMessage.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setSequence(sequence).setAckWanted(ackWanted))
        .build());
  }

  void accept(StartRequest request, Session session, VmState stateAfter) {
    send(AgentMessage.newBuilder().setStartAnswer(StartAnswer.newBuilder()
            .setRequestId(request.getRequestId())
            .setAccepted(true)
            .setSession(session)
            .setState(stateAfter))
        .build());
  }

  void refuse(StartRequest request, StartRefusal why, String detail, VmState stateAfter) {
    send(AgentMessage.newBuilder().setStartAnswer(StartAnswer.newBuilder()
            .setRequestId(request.getRequestId())
            .setAccepted(false)
            .setRefusal(why)
            .setRefusalDetail(detail)
            .setState(stateAfter))
        .build());
  }

  void ended(EndRequest request, boolean ended, VmState stateAfter) {
    send(AgentMessage.newBuilder().setEndAnswer(EndAnswer.newBuilder()
            .setRequestId(request.getRequestId())
            .setEnded(ended)
            .setState(stateAfter))
        .build());
  }

  /** Detaches on purpose: the agent half-closes its stream. */
  void detach() {
    requests.onCompleted();
  }

  /** The stream breaks from the agent's side (the call is cancelled). */
  void breakStream() {
    requests.onError(Status.UNAVAILABLE.withDescription("agent network gone").asRuntimeException());
  }

  // ---- what an agent receives ----------------------------------------------------------------

  Welcome welcomed() {
    return next(ConcentratorMessage.BodyCase.WELCOME).getWelcome();
  }

  StartRequest takeStart() {
    return next(ConcentratorMessage.BodyCase.START).getStart();
  }

  EndRequest takeEnd() {
    return next(ConcentratorMessage.BodyCase.END).getEnd();
  }

  /** The status the concentrator ended the stream with. */
  Status closedWith() {
    holdsNow(closed::isDone);
    return closed.join();
  }

  /** The status the concentrator ended the stream with, waited for over a real network. */
  Status awaitClosedOverNetwork() {
    await().atMost(WAIT).until(closed::isDone);
    return closed.join();
  }

  boolean isClosed() {
    return closed.isDone();
  }

  /** Every message received so far, in order. */
  synchronized List<ConcentratorMessage> received() {
    return List.copyOf(received);
  }

  /** How many messages of this kind arrived so far. */
  synchronized int count(ConcentratorMessage.BodyCase kind) {
    return (int) received.stream().filter(m -> m.getBodyCase() == kind).count();
  }

  /** The next message of this kind not taken yet, which must have arrived. */
  private ConcentratorMessage next(ConcentratorMessage.BodyCase kind) {
    holdsNow(() -> {
      synchronized (this) {
        return count(kind) > taken.getOrDefault(kind, 0);
      }
    });
    synchronized (this) {
      int index = taken.merge(kind, 1, Integer::sum) - 1;
      return received.stream().filter(m -> m.getBodyCase() == kind).skip(index).findFirst().orElseThrow();
    }
  }

  // ---- state building ------------------------------------------------------------------------

  static VmState state(long sequence, boolean accepting, Session... sessions) {
    return VmState.newBuilder()
        .setSequence(sequence)
        .setAccepting(accepting)
        .addAllSessions(List.of(sessions))
        .build();
  }

  static Session session(String sessionId, String user, String pool) {
    return Session.newBuilder()
        .setSessionId(sessionId)
        .setUser(user)
        .setPool(pool)
        .setConnection(Connection.newBuilder().setProtocol("rdp").setHost("10.0.0.1").setPort(3389))
        .build();
  }
}
