package io.shardbroker.tools.bench;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.display.LocalDisplays;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SessionHostException;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.protocol.v1.Connection;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The session host of the display benchmark's one VM: every session it starts shows the same
 * {@link SyntheticDisplay}, and its clients connect through the agent's display relay, which
 * {@link #relayAt} names once it listens (as {@code VncDesktops} does for Xvnc's desktops). Starts
 * and ends at once; nothing ends by itself. Thread-safe.
 */
final class SyntheticDesktops implements SessionHost, LocalDisplays {

  private final LocalDisplay display;
  private final Clock clock;
  private final AtomicReference<Connection> relay = new AtomicReference<>();
  private final Map<String, HostedSession> sessions = new ConcurrentHashMap<>();

  SyntheticDesktops(LocalDisplay display, Clock clock) {
    this.display = display;
    this.clock = clock;
  }

  /** Where clients reach the sessions' displays: the relay's address, protocol vnc. */
  void relayAt(Connection address) {
    relay.set(address);
  }

  @Override
  public CompletableFuture<Connection> start(SessionSpec spec) {
    Connection address = relay.get();
    if (address == null) {
      return CompletableFuture.failedFuture(new SessionHostException("the display relay has not started yet"));
    }
    sessions.put(spec.sessionId(), new HostedSession(spec.sessionId(), spec.user(), spec.pool(), address,
        clock.instant(), spec.policy()));
    return CompletableFuture.completedFuture(address);
  }

  @Override
  public CompletableFuture<List<HostedSession>> running() {
    return CompletableFuture.completedFuture(List.copyOf(sessions.values()));
  }

  @Override
  public boolean relaysDisplays() {
    return true;
  }

  @Override
  public CompletableFuture<Void> end(String sessionId) {
    sessions.remove(sessionId);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void onSessionEnded(Consumer<String> listener) {
    // nothing ends by itself here
  }

  @Override
  public Optional<LocalDisplay> display(String sessionId) {
    return sessions.containsKey(sessionId) ? Optional.of(display) : Optional.empty();
  }

  @Override
  public void close() {
    sessions.clear();
  }
}
