package io.shardbroker.agent.host;

import io.shardbroker.protocol.v1.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What runs desktop sessions on a VM. The agent decides whether a session may start; the host only
 * starts and ends it. Implementations are thread-safe and never block the caller: slow work runs
 * on their own threads and completes the returned future.
 */
public interface SessionHost extends AutoCloseable {

  /**
   * Starts a session. Completes with where the user's client connects, or exceptionally (with a
   * {@link SessionHostException}) when the host cannot start it; then no session exists.
   */
  CompletableFuture<Connection> start(SessionSpec spec);

  /**
   * Tells the host the one-time ticket with which {@code spec}'s user may now connect, before the
   * user is given it; the host's gateway should let a client in with that ticket only (or ask the
   * agent, {@code Agent.admit}). Completes when the host has it; by default, at once.
   */
  default CompletableFuture<Void> ticketIssued(SessionSpec spec, String ticket, Instant expiresAt) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The sessions that really run on the host now, as it finds them: where a restarted agent starts
   * from (it reports exactly these before it takes any start), and, every {@link #listInterval},
   * how it learns of sessions that ended, or began, without it. Completes exceptionally when the
   * host cannot tell; the agent then takes no new session until it can.
   */
  CompletableFuture<List<HostedSession>> running();

  /**
   * How often the agent compares its sessions with {@link #running}; zero for never, for a host
   * that tells of every end itself ({@link #onSessionEnded}) and starts nothing by itself.
   */
  default Duration listInterval() {
    return Duration.ZERO;
  }

  /**
   * Whether the agent relays this host's displays (its display relay), and so knows which
   * sessions are viewed: then sessions carry a display state and display policies apply.
   */
  default boolean relaysDisplays() {
    return false;
  }

  /** Logs a session off. Completes when it is gone; ending an unknown session is not an error. */
  CompletableFuture<Void> end(String sessionId);

  /**
   * Names whom to tell, with the session id, when a session ends by itself (the user logged off).
   * The agent calls this once, before its first start.
   */
  void onSessionEnded(Consumer<String> listener);

  @Override
  void close();
}
