package io.shardbroker.harness;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Freezes a server as SIGSTOP freezes a process, seen from the network: while paused, what
 * clients send is held (as a kernel's socket buffers hold it) and what the server sends is held
 * too; connections stay open. On {@link #resume} everything held goes through, in order.
 *
 * <p>Thread-safe. Each call's held work is a queue guarded by the call; the pause flag is
 * volatile, and a call drains its own queue, so a call's events keep their order.
 */
final class PausableCalls implements ServerInterceptor {

  private volatile boolean paused;
  private final Set<Held> calls = ConcurrentHashMap.newKeySet();

  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    for (Held call : calls) {
      call.drain();
    }
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    Held held = new Held();
    calls.add(held);
    ServerCall<Q, A> outbound = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata h) {
        held.run(() -> super.sendHeaders(h));
      }

      @Override
      public void sendMessage(A message) {
        held.run(() -> super.sendMessage(message));
      }

      @Override
      public void close(Status status, Metadata trailers) {
        held.run(() -> {
          calls.remove(held);
          super.close(status, trailers);
        });
      }
    };
    ServerCall.Listener<Q> listener = next.startCall(outbound, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        held.run(() -> super.onMessage(message));
      }

      @Override
      public void onHalfClose() {
        held.run(super::onHalfClose);
      }

      @Override
      public void onCancel() {
        held.run(() -> {
          calls.remove(held);
          super.onCancel();
        });
      }

      @Override
      public void onComplete() {
        held.run(() -> {
          calls.remove(held);
          super.onComplete();
        });
      }

      @Override
      public void onReady() {
        held.run(super::onReady);
      }
    };
  }

  /** One call's work, run at once while not paused, else held in order. */
  private final class Held {
    private final Deque<Runnable> queue = new ArrayDeque<>();  // guarded by this
    private boolean draining;  // guarded by this

    void run(Runnable work) {
      synchronized (this) {
        queue.add(work);
        if (draining) {
          return;
        }
        draining = true;
      }
      drainQueued();
    }

    void drain() {
      synchronized (this) {
        if (draining) {
          return;
        }
        draining = true;
      }
      drainQueued();
    }

    /** Runs the queue while not paused; only one thread drains a call at a time. */
    private void drainQueued() {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = paused ? null : queue.poll();
          if (next == null) {
            draining = false;
            return;
          }
        }
        next.run();
      }
    }
  }
}
