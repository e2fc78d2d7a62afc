package io.shardbroker.concentrator;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.EndAnswer;
import io.shardbroker.protocol.v1.EndRequest;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRequest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The concentrator's end of one agent's stream. Starts and ends leave from here, each with its
 * request id, and the agent's answers arrive here, on the same stream, and complete the futures
 * their senders hold: an answer returns through the object that sent its request. Everything else
 * the agent says (its Hello, state, heartbeats) and the stream's end go on to the stream's
 * {@linkplain #receiveWith protocol}, {@link AgentLinkService}'s, which attaches the VM.
 *
 * <p>Thread-safety: sends are serialised on {@code this} (a gRPC stream observer is not
 * thread-safe); the maps of requests in flight are concurrent; gRPC calls the inbound methods one
 * at a time. After {@link #close} or {@link #lost} nothing more is sent and every request in
 * flight fails with {@link LinkLost}.
 */
final class AgentStream implements StreamObserver<AgentMessage> {

  /** The agent's stream ended before it answered. */
  static final class LinkLost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LinkLost(String message) {
      super(message, null, false, false);
    }
  }

  /** What the agent says besides answers, and the stream's end; also told of every answer. */
  interface Protocol extends StreamObserver<AgentMessage> {
    /** Whether the stream has said its Hello and speaks for a VM: only then are answers taken. */
    boolean attached();

    /** An answer came: the agent was heard. */
    void heard();
  }

  private final ServerCallStreamObserver<ConcentratorMessage> out;
  private final Runnable onFinish;
  private Protocol protocol;
  private final Map<String, CompletableFuture<StartAnswer>> starts = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<EndAnswer>> ends = new ConcurrentHashMap<>();
  private boolean finished;

  /** @param onFinish runs once, when the stream ends for whatever reason */
  AgentStream(ServerCallStreamObserver<ConcentratorMessage> out, Runnable onFinish) {
    this.out = out;
    this.onFinish = onFinish;
  }

  /**
   * Sends a start to the agent; a request id already in flight on this stream is not sent again
   * and shares the first one's answer.
   */
  CompletableFuture<StartAnswer> start(StartRequest request) {
    CompletableFuture<StartAnswer> answer = new CompletableFuture<>();
    CompletableFuture<StartAnswer> prior = starts.putIfAbsent(request.getRequestId(), answer);
    if (prior != null) {
      return prior;
    }
    answer.whenComplete((a, e) -> starts.remove(request.getRequestId(), answer));
    if (!send(ConcentratorMessage.newBuilder().setStart(request).build())) {
      answer.completeExceptionally(new LinkLost("agent stream is closed"));
    }
    return answer;
  }

  /** Sends an end to the agent, matched like {@link #start}. */
  CompletableFuture<EndAnswer> end(EndRequest request) {
    CompletableFuture<EndAnswer> answer = new CompletableFuture<>();
    CompletableFuture<EndAnswer> prior = ends.putIfAbsent(request.getRequestId(), answer);
    if (prior != null) {
      return prior;
    }
    answer.whenComplete((a, e) -> ends.remove(request.getRequestId(), answer));
    if (!send(ConcentratorMessage.newBuilder().setEnd(request).build())) {
      answer.completeExceptionally(new LinkLost("agent stream is closed"));
    }
    return answer;
  }

  /** Hands what the agent says besides answers to {@code next}; before anything arrives. */
  void receiveWith(Protocol next) {
    this.protocol = next;
  }

  @Override
  public void onNext(AgentMessage message) {
    if (protocol.attached() && message.hasStartAnswer()) {
      protocol.heard();
      CompletableFuture<StartAnswer> waiting = starts.get(message.getStartAnswer().getRequestId());
      if (waiting != null) {
        waiting.complete(message.getStartAnswer());
      }
    } else if (protocol.attached() && message.hasEndAnswer()) {
      protocol.heard();
      CompletableFuture<EndAnswer> waiting = ends.get(message.getEndAnswer().getRequestId());
      if (waiting != null) {
        waiting.complete(message.getEndAnswer());
      }
    } else {
      protocol.onNext(message);
    }
  }

  @Override
  public void onError(Throwable t) {
    protocol.onError(t);
  }

  @Override
  public void onCompleted() {
    protocol.onCompleted();
  }

  /** Sends a message unless the stream is over; tells whether it went out. */
  synchronized boolean send(ConcentratorMessage message) {
    if (finished || out.isCancelled()) {
      return false;
    }
    try {
      out.onNext(message);
      return true;
    } catch (RuntimeException e) {
      return false;  // cancelled by the peer meanwhile; onError/onCancel will follow
    }
  }

  /** Ends the stream from this side with {@code status} (OK: a clean close). */
  void close(Status status) {
    boolean first = false;
    synchronized (this) {
      if (!finished) {
        finished = true;
        first = true;
        try {
          if (status.isOk()) {
            out.onCompleted();
          } else {
            out.onError(status.asRuntimeException());
          }
        } catch (RuntimeException e) {
          // already cancelled by the peer
        }
      }
    }
    failInFlight(status.getDescription() == null ? status.getCode().toString() : status.getDescription());
    if (first) {
      onFinish.run();
    }
  }

  /** The peer ended the stream or it broke. */
  void lost(String why) {
    boolean first;
    synchronized (this) {
      first = !finished;
      finished = true;
    }
    failInFlight(why);
    if (first) {
      onFinish.run();
    }
  }

  private void failInFlight(String why) {
    LinkLost lost = new LinkLost("agent stream ended: " + why);
    starts.values().forEach(f -> f.completeExceptionally(lost));
    ends.values().forEach(f -> f.completeExceptionally(lost));
  }
}
