package io.shardbroker.tools.chaos;

import io.shardbroker.tools.run.RunLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults of a chaos run: planned up front from the seed (so a run can be repeated), then
 * injected into the {@link ChaosCluster} at their times, each printed as it happens.
 *
 * <p>The plan: from {@value #FIRST_FAULT_SECONDS} s on, every few seconds, either a random
 * concentrator is killed (-9) and restarted a few seconds later, or the agent streams of about 1%
 * of the VMs are cut for a few seconds; once per run a broker is killed and restarted; once per
 * run a whole set is taken down (its concentrators killed) and brought back. Besides, from
 * {@value #AGENT_CRASH_FIRST_SECONDS} s on (so that the real agents' VMs have taken sessions by
 * then), every {@value #AGENT_CRASH_EVERY_LEAST_SECONDS} to {@value #AGENT_CRASH_EVERY_MOST_SECONDS}
 * s, a random real agent is killed (-9) and restarted a few seconds later: it must come back
 * reporting exactly the sessions its VM still runs. Faults may overlap: a process held down by two
 * faults comes back when the later one ends.
 *
 * <p>{@link #stop} ends the chaos: no new faults, and whatever is down comes back at once.
 */
final class FaultSchedule {

  static final int FIRST_FAULT_SECONDS = 5;
  static final int AGENT_CRASH_FIRST_SECONDS = 15;
  /** Not more often: a restarted agent should serve a while before the next kill, even on a busy machine. */
  static final int AGENT_CRASH_EVERY_LEAST_SECONDS = 10;
  static final int AGENT_CRASH_EVERY_MOST_SECONDS = 20;

  sealed interface Fault permits ConcentratorCrash, StreamDrop, BrokerCrash, SetOutage, AgentCrash {
    Duration down();
  }

  record ConcentratorCrash(String id, Duration down) implements Fault {}

  record StreamDrop(int vms, Duration down, long seed) implements Fault {}

  record BrokerCrash(int broker, Duration down) implements Fault {}

  record SetOutage(String set, Duration down) implements Fault {}

  /** Real agent {@code vmId}'s process killed; its VM and the sessions on it go on running. */
  record AgentCrash(String vmId, Duration down) implements Fault {}

  record Planned(Duration at, Fault fault) {}

  /**
   * The faults of a run of {@code duration} over {@code vms} simulated VMs and the real agents of
   * {@code realAgents} (VM ids), in time order. The agent crashes are drawn last, so the other
   * faults of a seed are those of a run without real agents.
   */
  static List<Planned> plan(long seed, Duration duration, int vms, List<String> realAgents) {
    Random random = new Random(seed);
    long end = duration.toMillis();
    List<Planned> plan = new ArrayList<>();
    long at = FIRST_FAULT_SECONDS * 1000L;
    while (at < end) {
      Fault fault = random.nextDouble() < 0.6
          ? new ConcentratorCrash(pick(random, concentrators()), millis(random, 2_000, 6_000))
          : new StreamDrop(Math.max(1, vms / 100), millis(random, 2_000, 6_000), random.nextLong());
      plan.add(new Planned(Duration.ofMillis(at), fault));
      at += millis(random, 3_000, 7_000).toMillis();
    }
    Duration brokerAt = Duration.ofMillis((long) (end * (0.2 + 0.2 * random.nextDouble())));
    plan.add(new Planned(brokerAt,
        new BrokerCrash(random.nextInt(ChaosCluster.BROKERS), millis(random, 3_000, 6_000))));
    Duration setAt = Duration.ofMillis((long) (end * (0.55 + 0.15 * random.nextDouble())));
    Duration setDown = millis(random, 8_000, 12_000);
    Duration left = Duration.ofMillis(end).minus(setAt).minusSeconds(1);
    plan.add(new Planned(setAt, new SetOutage(pick(random, ChaosCluster.SETS),
        setDown.compareTo(left) < 0 ? setDown : left)));
    for (long agentAt = AGENT_CRASH_FIRST_SECONDS * 1000L; !realAgents.isEmpty() && agentAt < end;
        agentAt += millis(random, AGENT_CRASH_EVERY_LEAST_SECONDS * 1000, AGENT_CRASH_EVERY_MOST_SECONDS * 1000)
            .toMillis()) {
      plan.add(new Planned(Duration.ofMillis(agentAt),
          new AgentCrash(pick(random, realAgents), millis(random, 2_000, 5_000))));
    }
    plan.sort(Comparator.comparing(Planned::at));
    return plan;
  }

  private static List<String> concentrators() {
    return ChaosCluster.SETS.stream().flatMap(s -> ChaosCluster.concentratorsOf(s).stream()).toList();
  }

  private static <T> T pick(Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static Duration millis(Random random, int least, int most) {
    return Duration.ofMillis(least + random.nextInt(most - least + 1));
  }

  private final ChaosCluster cluster;
  private final List<Planned> plan;
  private final RunLog log;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final AtomicInteger injected = new AtomicInteger();
  private final AtomicInteger agentCrashes = new AtomicInteger();
  private final AtomicInteger agentCrashesWithSessions = new AtomicInteger();
  private final List<Thread> running = new ArrayList<>();  // guarded by itself
  private final List<String> failures = new ArrayList<>();  // guarded by itself
  private Thread planner;

  FaultSchedule(ChaosCluster cluster, List<Planned> plan, RunLog log) {
    this.cluster = cluster;
    this.plan = List.copyOf(plan);
    this.log = log;
  }

  /** Starts injecting; the plan's times count from now. */
  void start() {
    long began = System.nanoTime();
    planner = Thread.ofVirtual().name("faults").start(() -> {
      try {
        for (Planned p : plan) {
          long wait = began + p.at().toNanos() - System.nanoTime();
          if (stopping.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
            return;
          }
          injected.incrementAndGet();
          synchronized (running) {
            running.add(Thread.ofVirtual().name("fault-" + injected.get()).start(() -> inject(p.fault())));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Faults injected so far. */
  int injected() {
    return injected.get();
  }

  /** Real agents killed so far, and how many of those while their VM ran a session. */
  record AgentCrashes(int all, int withSessions) {}

  AgentCrashes agentCrashes() {
    return new AgentCrashes(agentCrashes.get(), agentCrashesWithSessions.get());
  }

  /** Faults that could not be injected or undone (a role that did not come back, say). */
  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /** Ends the chaos: no new faults; brings back whatever is down and waits until it is ready. */
  void stop() throws InterruptedException {
    stopping.countDown();
    if (planner != null) {
      planner.join();
    }
    List<Thread> threads;
    synchronized (running) {
      threads = List.copyOf(running);
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private void inject(Fault fault) {
    try {
      switch (fault) {
        case ConcentratorCrash c -> outage(List.of(c.id()), "concentrator " + c.id(), c.down());
        case BrokerCrash b -> outage(List.of(ChaosCluster.brokerName(b.broker())),
            ChaosCluster.brokerName(b.broker()), b.down());
        case SetOutage s -> outage(ChaosCluster.concentratorsOf(s.set()),
            "set " + s.set() + " (all " + ChaosCluster.CONCENTRATORS_PER_SET + " concentrators)", s.down());
        case AgentCrash a -> {
          int sessions = cluster.sessionsOn(a.vmId());
          agentCrashes.incrementAndGet();
          if (sessions > 0) {
            agentCrashesWithSessions.incrementAndGet();
          }
          outage(List.of(a.vmId()), "agent " + a.vmId() + " (its VM runs " + (sessions < 0 ? "?" : sessions)
              + " session(s), which go on)", a.down());
        }
        case StreamDrop d -> {
          List<String> dropped = cluster.drop(d.vms(), d.down(), d.seed());
          log.event("fault: cut the agent streams of %d VMs for %.1f s (%s%s)", dropped.size(),
              d.down().toMillis() / 1000.0, String.join(", ", dropped.subList(0, Math.min(3, dropped.size()))),
              dropped.size() > 3 ? ", ..." : "");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      String failure = fault + ": " + e.getMessage();
      synchronized (failures) {
        failures.add(failure);
      }
      log.event("fault FAILED: %s", failure);
    }
  }

  /** Kills the processes, waits out {@code down} (or until the chaos stops), restarts them. */
  private void outage(List<String> names, String what, Duration down) throws Exception {
    for (String name : names) {
      cluster.takeDown(name);
    }
    log.event("fault: kill -9 %s; back in %.1f s", what, down.toMillis() / 1000.0);
    stopping.await(down.toMillis(), TimeUnit.MILLISECONDS);
    List<Thread> restarts = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      restarts.add(Thread.ofVirtual().start(() -> {
        try {
          double seconds = cluster.bringUp(name);
          if (seconds < 0) {
            log.event("restore: %s stays down: another fault holds it", name);
          } else {
            log.event("restore: %s restarted, ready in %.1f s", name, seconds);
          }
        } catch (Exception e) {
          synchronized (problems) {
            problems.add(name + ": " + e.getMessage());
          }
        }
      }));
    }
    for (Thread t : restarts) {
      t.join();
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("could not restart " + String.join("; ", problems));
    }
  }
}
