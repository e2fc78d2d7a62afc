package io.shardbroker.agent.host;

import io.shardbroker.protocol.v1.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A pretend desktop for tests, demos and load: sessions start after a configurable delay and,
 * when a session length is set, end by themselves as if the user logged off.
 *
 * <p>It also keeps its own count of running sessions, apart from the agent's bookkeeping, and
 * remembers the highest it ever reached. That count is the desktop's truth: if the agent ever
 * let more sessions in than the VM's capacity, {@link #truth()} shows it. A {@link Witness} hears
 * of every start and end as it happens, to check a whole run (see the simulated fleet's ledger).
 *
 * <p>All state is guarded by {@code this}; timers run on the shared scheduler.
 */
public final class SimulatedSessionHost implements SessionHost {

  /**
   * How simulated sessions behave.
   *
   * @param protocol protocol named in the connection details, such as "rdp"
   * @param port port named in the connection details
   * @param startDelay time a start takes
   * @param sessionLength time after which a session ends by itself; zero for never
   * @param failureRate share of starts that fail, from 0 to 1, to exercise refusals
   */
  public record Settings(
      String protocol, int port, Duration startDelay, Duration sessionLength, double failureRate) {

    public static final Settings DEFAULTS =
        new Settings("rdp", 3389, Duration.ZERO, Duration.ZERO, 0.0);

    public Settings {
      if (protocol == null || protocol.isBlank()) {
        throw new IllegalArgumentException("simulated protocol must not be empty");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("simulated port must be 1..65535, got " + port);
      }
      if (startDelay.isNegative()) {
        throw new IllegalArgumentException("simulated start delay must not be negative, got " + startDelay);
      }
      if (sessionLength.isNegative()) {
        throw new IllegalArgumentException(
            "simulated session length must not be negative, got " + sessionLength);
      }
      if (!(failureRate >= 0.0 && failureRate <= 1.0)) {
        throw new IllegalArgumentException("simulated failure rate must be 0..1, got " + failureRate);
      }
    }
  }

  /** What the desktop itself saw: its running sessions and the most it ever ran at once. */
  public record Truth(Map<String, String> usersBySession, int maxConcurrentSessions) {}

  /**
   * Hears of every session this desktop starts and ends, called under the host's lock at the
   * moment the session appears or goes, so events of one host arrive in the order they happened.
   * Implementations must be quick and must not call back into the host.
   */
  public interface Witness {
    Witness NONE = new Witness() {
      @Override public void started(SessionSpec session) {}
      @Override public void ended(SessionSpec session) {}
    };

    void started(SessionSpec session);

    void ended(SessionSpec session);
  }

  private final String vmId;
  private final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final Witness witness;
  private final Map<String, Running> running = new LinkedHashMap<>();
  private int maxConcurrent;
  private Consumer<String> endedListener = id -> {};
  private boolean closed;

  private record Running(SessionSpec spec, ScheduledFuture<?> logoff) {}

  public SimulatedSessionHost(
      String vmId, Settings settings, ScheduledExecutorService scheduler, Random random) {
    this(vmId, settings, scheduler, random, Witness.NONE);
  }

  /** @param witness told of every session start and end */
  public SimulatedSessionHost(
      String vmId, Settings settings, ScheduledExecutorService scheduler, Random random,
      Witness witness) {
    this.vmId = vmId;
    this.settings = settings;
    this.scheduler = scheduler;
    this.random = random;
    this.witness = witness;
  }

  @Override
  public synchronized void onSessionEnded(Consumer<String> listener) {
    this.endedListener = listener;
  }

  @Override
  public CompletableFuture<Connection> start(SessionSpec spec) {
    CompletableFuture<Connection> started = new CompletableFuture<>();
    Runnable begin = () -> begin(spec, started);
    long delayNanos = settings.startDelay().toNanos();
    if (delayNanos == 0) {
      begin.run();
    } else {
      scheduler.schedule(begin, delayNanos, TimeUnit.NANOSECONDS);
    }
    return started;
  }

  private void begin(SessionSpec spec, CompletableFuture<Connection> started) {
    synchronized (this) {
      if (closed) {
        started.completeExceptionally(new SessionHostException("host is shutting down"));
        return;
      }
      if (settings.failureRate() > 0 && random.nextDouble() < settings.failureRate()) {
        started.completeExceptionally(new SessionHostException("simulated start failure"));
        return;
      }
      ScheduledFuture<?> logoff = null;
      if (!settings.sessionLength().isZero()) {
        logoff = scheduler.schedule(
            () -> endedByUser(spec.sessionId()),
            settings.sessionLength().toNanos(), TimeUnit.NANOSECONDS);
      }
      running.put(spec.sessionId(), new Running(spec, logoff));
      maxConcurrent = Math.max(maxConcurrent, running.size());
      witness.started(spec);
    }
    started.complete(connection());
  }

  private void endedByUser(String sessionId) {
    Consumer<String> listener;
    synchronized (this) {
      Running gone = running.remove(sessionId);
      if (gone == null) {
        return;
      }
      witness.ended(gone.spec());
      listener = endedListener;
    }
    listener.accept(sessionId);
  }

  @Override
  public CompletableFuture<Void> end(String sessionId) {
    synchronized (this) {
      Running gone = running.remove(sessionId);
      if (gone != null) {
        witness.ended(gone.spec());
        if (gone.logoff() != null) {
          gone.logoff().cancel(false);
        }
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  /** Its own record: the simulated desktop knows what runs on it. */
  @Override
  public synchronized CompletableFuture<List<HostedSession>> running() {
    List<HostedSession> all = new ArrayList<>(running.size());
    running.forEach((id, r) -> all.add(new HostedSession(id, r.spec().user(), r.spec().pool(), connection(), null)));
    return CompletableFuture.completedFuture(all);
  }

  private Connection connection() {
    return Connection.newBuilder()
        .setProtocol(settings.protocol())
        .setHost(vmId + ".sim.invalid")
        .setPort(settings.port())
        .build();
  }

  /** The desktop's own view, independent of the agent's. */
  public synchronized Truth truth() {
    Map<String, String> users = new LinkedHashMap<>();
    running.forEach((id, r) -> users.put(id, r.spec().user()));
    return new Truth(users, maxConcurrent);
  }

  @Override
  public void close() {
    List<Running> left;
    synchronized (this) {
      closed = true;
      left = new ArrayList<>(running.values());
    }
    for (Running r : left) {
      if (r.logoff() != null) {
        r.logoff().cancel(false);
      }
    }
  }
}
