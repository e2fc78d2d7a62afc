package io.shardbroker.agent;

import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SessionHostException;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.protocol.v1.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A session host whose starts stay in flight until the test finishes them, so a test can hold the
 * arbiter in the middle of a start. It records every call.
 */
final class ManualSessionHost implements SessionHost {

  private final Map<String, CompletableFuture<Connection>> pending = new LinkedHashMap<>();
  private final List<SessionSpec> starts = new ArrayList<>();
  private final List<String> ends = new ArrayList<>();
  private Consumer<String> endedListener;
  private RuntimeException throwOnStart;

  @Override
  public synchronized CompletableFuture<Connection> start(SessionSpec spec) {
    if (throwOnStart != null) {
      throw throwOnStart;
    }
    starts.add(spec);
    CompletableFuture<Connection> f = new CompletableFuture<>();
    pending.put(spec.sessionId(), f);
    return f;
  }

  @Override
  public synchronized CompletableFuture<Void> end(String sessionId) {
    ends.add(sessionId);
    return CompletableFuture.completedFuture(null);
  }

  /** What running() answers: the sessions the test says run, or a failure. */
  private CompletableFuture<List<HostedSession>> listing = CompletableFuture.completedFuture(List.of());
  private Duration listInterval = Duration.ZERO;
  private int listings;

  @Override
  public synchronized CompletableFuture<List<HostedSession>> running() {
    listings++;
    return listing;
  }

  @Override
  public synchronized Duration listInterval() {
    return listInterval;
  }

  /** The agent is to compare its sessions with running() every {@code interval}. */
  synchronized ManualSessionHost listedEvery(Duration interval) {
    listInterval = interval;
    return this;
  }

  /** How often running() was called. */
  synchronized int listings() {
    return listings;
  }

  /** From now on, running() lists these sessions. */
  synchronized void runs(HostedSession... sessions) {
    listing = CompletableFuture.completedFuture(List.of(sessions));
  }

  /** The next running() stays unanswered until {@link #answerListing}: a slow list script. */
  synchronized void listsSlowly() {
    listing = new CompletableFuture<>();
  }

  /** Answers the running() held by {@link #listsSlowly}; later ones get the same answer. */
  void answerListing(HostedSession... sessions) {
    CompletableFuture<List<HostedSession>> held;
    synchronized (this) {
      held = listing;
      listing = CompletableFuture.completedFuture(List.of(sessions));
    }
    held.complete(List.of(sessions));
  }

  /** From now on, running() fails: the host cannot tell what runs. */
  synchronized void cannotList(String why) {
    listing = CompletableFuture.failedFuture(new SessionHostException(why));
  }

  @Override
  public synchronized void onSessionEnded(Consumer<String> listener) {
    this.endedListener = listener;
  }

  @Override
  public void close() {}

  private boolean relaysDisplays;

  /** Makes this a host whose displays the agent relays, as the vnc host's are. */
  synchronized ManualSessionHost relayingDisplays() {
    relaysDisplays = true;
    return this;
  }

  @Override
  public synchronized boolean relaysDisplays() {
    return relaysDisplays;
  }

  /** The next start call throws instead of returning a future. */
  synchronized void throwOnStart(RuntimeException e) {
    throwOnStart = e;
  }

  /** Completes the oldest start still in flight with a connection to {@code host}. */
  void finishNext() {
    CompletableFuture<Connection> f;
    synchronized (this) {
      f = pending.values().stream().filter(p -> !p.isDone()).findFirst().orElseThrow();
    }
    f.complete(Connection.newBuilder().setProtocol("rdp").setHost("desk.example").setPort(3389).build());
  }

  /** Fails the oldest start still in flight. */
  void failNext(String why) {
    CompletableFuture<Connection> f;
    synchronized (this) {
      f = pending.values().stream().filter(p -> !p.isDone()).findFirst().orElseThrow();
    }
    f.completeExceptionally(new SessionHostException(why));
  }

  /** The user logged off the session by themselves. */
  void logOff(String sessionId) {
    Consumer<String> listener;
    synchronized (this) {
      listener = endedListener;
    }
    listener.accept(sessionId);
  }

  synchronized List<SessionSpec> starts() {
    return List.copyOf(starts);
  }

  synchronized List<String> ends() {
    return List.copyOf(ends);
  }
}
