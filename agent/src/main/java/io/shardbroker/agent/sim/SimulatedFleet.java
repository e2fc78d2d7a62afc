package io.shardbroker.agent.sim;

import io.shardbroker.agent.Agent;
import io.shardbroker.agent.AgentSettings;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.protocol.v1.Topology;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Many simulated VMs in one process, each with a real {@link Agent} speaking the real protocol
 * over the given channels, and a {@link SimulatedSessionHost} as its desktop. For tests, demos
 * and load. VM ids are the pool name and a five-digit number ({@code desktop-00042}), so two
 * fleets with different pools never collide.
 *
 * <p>Reproducible from {@link Spec#seed()}: each agent's jitter and each host's failures draw
 * from their own generator seeded from it.
 *
 * <p>Every desktop reports its session starts and ends to one {@link FleetLedger}, which checks
 * the fleet's invariants over the whole run; {@link #dropLinks} cuts VMs' networks for a while,
 * to exercise the brokers and concentrators around them. Each VM's network is its own
 * {@link VmNetwork}, a view of the fleet's channels that a fault can cut.
 */
public final class SimulatedFleet implements AutoCloseable {

  /** {@code vms} VMs of {@code capacity} sessions each, in {@code pool}. */
  public record PoolSpec(String pool, int vms, int capacity) {
    public PoolSpec {
      if (vms < 0) {
        throw new IllegalArgumentException("pool " + pool + ": VM count must not be negative, got " + vms);
      }
    }
  }

  /** The id of the {@code n}th VM of {@code pool}: {@code desktop-00042}. */
  public static String vmId(String pool, int n) {
    return String.format(Locale.ROOT, "%s-%05d", pool, n);
  }

  /**
   * @param pools the VMs to simulate, pool by pool
   * @param host how their sessions behave
   * @param seed seed of every random choice the fleet makes
   * @param reconnectInitial agents' first reconnect delay
   * @param reconnectMax agents' longest reconnect delay
   */
  public record Spec(
      List<PoolSpec> pools,
      SimulatedSessionHost.Settings host,
      long seed,
      Duration reconnectInitial,
      Duration reconnectMax) {

    public Spec(List<PoolSpec> pools, SimulatedSessionHost.Settings host, long seed) {
      this(pools, host, seed, AgentSettings.RECONNECT_INITIAL_DEFAULT,
          AgentSettings.RECONNECT_MAX_DEFAULT);
    }

    public Spec {
      pools = List.copyOf(pools);
    }

    public int vmCount() {
      return pools.stream().mapToInt(PoolSpec::vms).sum();
    }
  }

  /** One session as the desktop itself sees it. */
  public record SessionTruth(String sessionId, String user) {}

  /**
   * One VM as its desktop sees it ({@code sessions}, {@code maxConcurrentSessions}), beside what
   * its agent reports ({@code reportedSessions}) and where the agent is attached.
   */
  public record VmTruth(
      String vmId,
      String pool,
      int capacity,
      List<SessionTruth> sessions,
      int maxConcurrentSessions,
      int reportedSessions,
      Map<String, String> attachments) {}

  private record Member(Agent agent, SimulatedSessionHost host, VmNetwork network) {}

  private final List<Member> members;
  private final FleetLedger ledger;

  public SimulatedFleet(
      Spec spec, Topology topology, ChannelSource channels, ScheduledExecutorService scheduler,
      Clock clock) {
    this.ledger = new FleetLedger(clock);
    List<Member> built = new ArrayList<>(spec.vmCount());
    int index = 0;
    for (PoolSpec pool : spec.pools()) {
      for (int n = 1; n <= pool.vms(); n++, index++) {
        // Locale.ROOT: a default locale such as ar-EG would format native digits, not 0-9.
        String vmId = vmId(pool.pool(), n);
        Random random = new Random(spec.seed() * 1_000_003L + index);
        SimulatedSessionHost host = new SimulatedSessionHost(vmId, spec.host(), scheduler, random,
            ledger.vm(vmId, pool.pool(), pool.capacity()));
        AgentSettings settings = new AgentSettings(vmId, pool.pool(), pool.capacity(), topology,
            spec.reconnectInitial(), spec.reconnectMax());
        VmNetwork network = new VmNetwork(channels, scheduler);
        built.add(new Member(new Agent(settings, host, network.channels(), scheduler, clock, random), host,
            network));
      }
    }
    this.members = List.copyOf(built);
  }

  /** Starts every agent; they attach in the background. */
  public void start() {
    members.forEach(m -> m.agent().start());
  }

  public int size() {
    return members.size();
  }

  /** Agent-to-set attachments right now; {@code size() * sets} when every agent is attached everywhere. */
  public int attachedLinks() {
    return members.stream().mapToInt(m -> m.agent().attachedSets()).sum();
  }

  /**
   * A client of {@code user} connecting to simulated VM {@code vmId} with {@code ticket}: the
   * session it gets into, or empty when the VM's agent refuses the ticket (see {@code Agent.admit}).
   */
  public Optional<String> admit(String vmId, String ticket, String user) {
    for (Agent agent : agents()) {
      if (agent.vmId().equals(vmId)) {
        return agent.admit(ticket, user);
      }
    }
    return Optional.empty();
  }

  public List<Agent> agents() {
    return members.stream().map(Member::agent).toList();
  }

  /** Every session start and end of the run so far, and the violations among them. */
  public FleetLedger ledger() {
    return ledger;
  }

  /**
   * Cuts the network of {@code count} VMs drawn at random from the whole fleet for
   * {@code outage}: their streams fail at once, as the concentrators see a network fail, and no
   * call gets through until the outage is over; then the agents reconnect as after any failure.
   * Sessions keep running meanwhile. The draw depends on {@code seed} only, so a run can be
   * replayed.
   *
   * @return the VM ids whose network was cut, in fleet order
   * @throws IllegalArgumentException if {@code count} is negative or more than the fleet's size
   */
  public List<String> dropLinks(int count, Duration outage, long seed) {
    if (count < 0 || count > members.size()) {
      throw new IllegalArgumentException("cannot cut the network of " + count + " VMs: the fleet has "
          + members.size());
    }
    if (outage.isNegative()) {
      throw new IllegalArgumentException("outage must not be negative, got " + outage);
    }
    // A partial Fisher-Yates shuffle: the first count places get a uniform draw without repeats.
    int[] order = new int[members.size()];
    Arrays.setAll(order, i -> i);
    Random random = new Random(seed);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(order.length - i);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    int[] chosen = Arrays.copyOf(order, count);
    Arrays.sort(chosen);
    List<String> dropped = new ArrayList<>(count);
    for (int i : chosen) {
      Member m = members.get(i);
      m.network().cut(outage);
      dropped.add(m.agent().vmId());
    }
    return dropped;
  }

  /** Every VM's truth, in VM id order within each pool. */
  public List<VmTruth> truth() {
    List<VmTruth> result = new ArrayList<>(members.size());
    for (Member m : members) {
      SimulatedSessionHost.Truth t = m.host().truth();
      List<SessionTruth> sessions = t.usersBySession().entrySet().stream()
          .map(e -> new SessionTruth(e.getKey(), e.getValue()))
          .toList();
      result.add(new VmTruth(m.agent().vmId(), m.agent().pool(), m.agent().capacity(), sessions,
          t.maxConcurrentSessions(), m.agent().state().getSessionsCount(),
          m.agent().attachments()));
    }
    return result;
  }

  /** Detaches every agent gracefully. */
  @Override
  public void close() {
    members.forEach(m -> m.agent().close());
  }
}
