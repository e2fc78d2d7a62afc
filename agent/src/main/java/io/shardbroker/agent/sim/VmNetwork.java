package io.shardbroker.agent.sim;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.shardbroker.agent.ChannelSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The network between one simulated VM and the concentrators, which a fault can cut for a while.
 * A cut fails every call in flight at once, as a broken network does (the calls are cancelled,
 * not half-closed, so the concentrators see them fail), and every call made during the outage
 * fails at once too. The agent knows nothing of it: it sees its streams fail and reconnects as
 * after any failure, with its backoff, and gets through once the outage is over. Sessions go on:
 * the desktop does not know its network failed.
 *
 * <p>It works from outside the agent, on the channels the agent is given ({@link #channels}),
 * which wrap the fleet's shared ones: the agent carries no code for faults.
 *
 * <p>Thread-safe: the calls in flight and the outage are guarded by {@code this}; calls are
 * cancelled, and failed calls told, outside the lock (on the scheduler, for a call refused as it
 * starts, so that no caller is called back from inside its own {@code start}).
 */
final class VmNetwork {

  private final ScheduledExecutorService scheduler;
  private final ChannelSource channels;
  // Guarded by this.
  private final Set<ClientCall<?, ?>> inFlight = new HashSet<>();
  /** While the network is down: the task that brings it back. */
  private ScheduledFuture<?> outageEnd;

  /** @param network the fleet's channels, which this wraps and never closes */
  VmNetwork(ChannelSource network, ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
    this.channels = new ChannelSource(address -> new Cuttable(network.channel(address)));
  }

  /** The channels the VM's agent is given. */
  ChannelSource channels() {
    return channels;
  }

  /**
   * Cuts the network for {@code outage} from now, or until a longer outage under way is over:
   * every call in flight fails now, and every call fails until then.
   */
  void cut(Duration outage) {
    List<ClientCall<?, ?>> cut;
    synchronized (this) {
      long nanos = outage.toNanos();
      if (outageEnd != null) {
        nanos = Math.max(nanos, outageEnd.getDelay(TimeUnit.NANOSECONDS));
        outageEnd.cancel(false);
      }
      ScheduledFuture<?>[] end = new ScheduledFuture<?>[1];
      end[0] = scheduler.schedule(() -> networkBack(end[0]), nanos, TimeUnit.NANOSECONDS);
      outageEnd = end[0];
      cut = new ArrayList<>(inFlight);
      inFlight.clear();
    }
    for (ClientCall<?, ?> call : cut) {
      call.cancel("network dropped", null);
    }
  }

  private synchronized void networkBack(ScheduledFuture<?> end) {
    if (outageEnd == end) {  // else a later cut made the outage longer
      outageEnd = null;
    }
  }

  /** Starts tracking a call; false when the network is down and the call must fail instead. */
  private synchronized boolean track(ClientCall<?, ?> call) {
    if (outageEnd != null) {
      return false;
    }
    inFlight.add(call);
    return true;
  }

  private synchronized void untrack(ClientCall<?, ?> call) {
    inFlight.remove(call);
  }

  /**
   * A call over this VM's network: the fleet's call, or, when it starts while the network is down,
   * none at all: it fails at once, and what the caller does with it afterwards goes nowhere.
   */
  private final class Call<Q, A> extends SimpleForwardingClientCall<Q, A> {
    private volatile boolean refused;

    Call(ClientCall<Q, A> call) {
      super(call);
    }

    @Override
    public void start(Listener<A> listener, Metadata headers) {
      if (!track(this)) {
        refused = true;
        scheduler.execute(() -> listener.onClose(Status.UNAVAILABLE.withDescription("network down"), new Metadata()));
        return;
      }
      super.start(new SimpleForwardingClientCallListener<>(listener) {
        @Override
        public void onClose(Status status, Metadata trailers) {
          untrack(Call.this);
          super.onClose(status, trailers);
        }
      }, headers);
    }

    @Override
    public void request(int messages) {
      if (!refused) {
        super.request(messages);
      }
    }

    @Override
    public void sendMessage(Q message) {
      if (!refused) {
        super.sendMessage(message);
      }
    }

    @Override
    public void halfClose() {
      if (!refused) {
        super.halfClose();
      }
    }

    @Override
    public void cancel(String message, Throwable cause) {
      if (!refused) {
        super.cancel(message, cause);
      }
    }

    @Override
    public boolean isReady() {
      return !refused && super.isReady();
    }
  }

  /** One concentrator's channel as this VM sees it: the fleet's, cut off while the network is down. */
  private final class Cuttable extends ManagedChannel {
    private final ManagedChannel network;

    Cuttable(ManagedChannel network) {
      this.network = network;
    }

    @Override
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
      return new Call<>(network.newCall(method, options));
    }

    @Override
    public String authority() {
      return network.authority();
    }

    @Override
    public ConnectivityState getState(boolean requestConnection) {
      return network.getState(requestConnection);
    }

    @Override
    public void resetConnectBackoff() {
      network.resetConnectBackoff();
    }

    @Override
    public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
      network.notifyWhenStateChanged(source, callback);
    }

    // The channel underneath is the fleet's, shared by every VM: this VM's view never closes it.

    @Override
    public ManagedChannel shutdown() {
      return this;
    }

    @Override
    public ManagedChannel shutdownNow() {
      return this;
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
