package io.shardbroker.agent.sim;

import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.agent.host.SimulatedSessionHost;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The whole run of a simulated fleet as its desktops saw it: every session start and end, checked
 * against the invariants of docs/design.md, "No double assignment", at the moment it happens, so that a violation that healed
 * before anyone looked is still counted. Two are checked: no VM runs more sessions than its
 * capacity, and no user runs two sessions in one pool, on one VM or on two.
 *
 * <p>Design. Each desktop reports through the {@link SimulatedSessionHost.Witness} it got from
 * {@link #vm}, inside its own lock, so the ledger sees each VM's events in the order they
 * happened; and since a session that ended is reported before the end is answered, anything
 * causally after an end (the broker starting the user's next session elsewhere) is seen after it.
 * Per VM the ledger keeps the running sessions, guarded by that VM's entry; across VMs one map of
 * pool and user to running sessions, each key updated atomically. Counters are atomic; the first
 * {@link #EXAMPLES_KEPT} violations are kept as text, under {@code examples}. The ledger never
 * calls out, so the lock order is always desktop, then ledger. Thread-safe.
 */
public final class FleetLedger {

  /** How many violations are described in words; the rest are only counted. */
  public static final int EXAMPLES_KEPT = 20;

  /** Violations counted over the whole run, and the first few in words. */
  public record Violations(long overCapacity, long userTwiceInPool, List<String> examples) {}

  /** The run so far. Each figure is read at its own instant: events in flight may fall between. */
  public record Report(long sessionsStarted, long sessionsEnded, Violations violations) {}

  private final Clock clock;
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong ended = new AtomicLong();
  private final AtomicLong overCapacity = new AtomicLong();
  private final AtomicLong userTwiceInPool = new AtomicLong();
  /** "pool/user" -> session id -> VM id, for the users with a running session. */
  private final Map<String, Map<String, String>> byUserInPool = new ConcurrentHashMap<>();
  // Guarded by itself.
  private final List<String> examples = new ArrayList<>();

  /** @param clock stamps the examples */
  public FleetLedger(Clock clock) {
    this.clock = clock;
  }

  /** The witness that the desktop of VM {@code vmId} reports its sessions to. */
  public SimulatedSessionHost.Witness vm(String vmId, String pool, int capacity) {
    return new Vm(vmId, pool, capacity);
  }

  public Report report() {
    List<String> kept;
    synchronized (examples) {
      kept = List.copyOf(examples);
    }
    return new Report(started.get(), ended.get(),
        new Violations(overCapacity.get(), userTwiceInPool.get(), kept));
  }

  private void started(String vmId, String pool, SessionSpec session) {
    started.incrementAndGet();
    String key = pool + "/" + session.user();
    Map<String, String> same = byUserInPool.compute(key, (k, running) -> {
      Map<String, String> next = running == null ? new LinkedHashMap<>() : new LinkedHashMap<>(running);
      next.put(session.sessionId(), vmId);
      return next;
    });
    if (same.size() > 1) {
      userTwiceInPool.incrementAndGet();
      example("userTwiceInPool: user " + session.user() + " runs " + same.size()
          + " sessions in pool " + pool + ": " + describe(same));
    }
  }

  private void ended(String pool, SessionSpec session) {
    ended.incrementAndGet();
    byUserInPool.computeIfPresent(pool + "/" + session.user(), (k, running) -> {
      Map<String, String> next = new LinkedHashMap<>(running);
      next.remove(session.sessionId());
      return next.isEmpty() ? null : next;
    });
  }

  private void example(String text) {
    synchronized (examples) {
      if (examples.size() < EXAMPLES_KEPT) {
        examples.add(clock.instant() + " " + text);
      }
    }
  }

  private static String describe(Map<String, String> vmBySession) {
    List<String> parts = new ArrayList<>();
    vmBySession.forEach((session, vm) -> parts.add(session + " on " + vm));
    return String.join(", ", parts);
  }

  /** One VM's running sessions (session id -> user); guarded by this entry. */
  private final class Vm implements SimulatedSessionHost.Witness {
    private final String vmId;
    private final String pool;
    private final int capacity;
    private final Map<String, String> running = new LinkedHashMap<>();

    Vm(String vmId, String pool, int capacity) {
      this.vmId = vmId;
      this.pool = pool;
      this.capacity = capacity;
    }

    @Override
    public void started(SessionSpec session) {
      synchronized (this) {
        if (running.put(session.sessionId(), session.user()) != null) {
          return;  // reported twice; it is one session
        }
        if (running.size() > capacity) {
          overCapacity.incrementAndGet();
          List<String> parts = new ArrayList<>();
          running.forEach((id, user) -> parts.add(id + " for " + user));
          example("overCapacity: " + vmId + " (pool " + pool + ", capacity " + capacity + ") runs "
              + running.size() + " sessions: " + String.join(", ", parts));
        }
      }
      FleetLedger.this.started(vmId, pool, session);
    }

    @Override
    public void ended(SessionSpec session) {
      synchronized (this) {
        if (running.remove(session.sessionId()) == null) {
          return;
        }
      }
      FleetLedger.this.ended(pool, session);
    }
  }
}
