package io.shardbroker.agent;

import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Channels to concentrators by address, one per address, shared by every agent of a process: a
 * simulated fleet of thousands of agents multiplexes its streams over one HTTP/2 connection per
 * concentrator. Thread-safe.
 */
public final class ChannelSource implements AutoCloseable {

  private final Function<String, ManagedChannel> factory;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /** Uses {@code factory} to open a channel the first time an address is asked for. */
  public ChannelSource(Function<String, ManagedChannel> factory) {
    this.factory = factory;
  }

  public ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, factory);
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels.values()) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
