package io.shardbroker.harness;

import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.broker.BrokerSettings;
import io.shardbroker.broker.CandidateSearch;
import io.shardbroker.store.PasswordHashing;
import io.shardbroker.store.Seed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link Cluster} is made of, whichever way it runs: {@code sets} sets of
 * {@code concentratorsPerSet} concentrators (ids {@code a1}, {@code a2}, {@code b1}, ...), a
 * simulated fleet in one member named {@value Cluster#SIM}, real agents, and {@code brokers}
 * brokers ({@code broker-1}, ...), all over mutual TLS unless {@code plaintext}. Built with
 * {@link #builder()}; every value has a default that suits a small test cluster.
 *
 * @param sets concentrator sets, named a, b, c, ...
 * @param concentratorsPerSet concentrators in each set
 * @param heartbeat the concentrators' heartbeat interval
 * @param fleet the simulated VMs; none when its pools are empty
 * @param agents real agents, each its own member named after its VM
 * @param brokers how many brokers
 * @param broker how every broker is set up
 * @param plaintext gRPC links in plain text ({@code --insecure}) instead of mutual TLS
 */
public record ClusterSpec(
    int sets,
    int concentratorsPerSet,
    Duration heartbeat,
    SimulatedFleet.Spec fleet,
    List<RealAgent> agents,
    int brokers,
    BrokerSpec broker,
    boolean plaintext) {

  public ClusterSpec {
    if (sets < 1 || sets > 26) {
      throw new IllegalArgumentException("a cluster has 1..26 sets, got " + sets);
    }
    if (concentratorsPerSet < 1) {
      throw new IllegalArgumentException("a set has at least one concentrator, got " + concentratorsPerSet);
    }
    if (brokers < 0) {
      throw new IllegalArgumentException("brokers must not be negative, got " + brokers);
    }
    agents = List.copyOf(agents);
  }

  /**
   * A real agent (not simulated). Its session host runs the operator's commands (see
   * {@code ExecSessionHost}; a command may begin with {@code env NAME=VALUE} to set its
   * environment), or, with {@code vnc}, real Xvnc desktops (see {@code VncSessionHost}) in a
   * directory of its own that brokers reach through its display relay on 127.0.0.1.
   *
   * @param vmId its VM id
   * @param pool the pool it serves
   * @param capacity sessions it may run at once
   * @param startCommand exec host: prints the session's connection as JSON; empty for vnc
   * @param endCommand exec host: logs a session off; empty for vnc
   * @param listCommand exec host: prints the sessions that run as a JSON array, which a
   *     restarted agent reports before it takes a start; empty for none, and for vnc
   * @param vnc true for a vnc host
   */
  public record RealAgent(
      String vmId, String pool, int capacity, List<String> startCommand, List<String> endCommand,
      List<String> listCommand, boolean vnc) {

    public RealAgent {
      startCommand = List.copyOf(startCommand);
      endCommand = List.copyOf(endCommand);
      listCommand = List.copyOf(listCommand);
    }

    /** An agent of an exec host without a list script. */
    public RealAgent(String vmId, String pool, int capacity, List<String> startCommand, List<String> endCommand) {
      this(vmId, pool, capacity, startCommand, endCommand, List.of(), false);
    }

    /** An agent of real Xvnc desktops. */
    public static RealAgent vnc(String vmId, String pool, int capacity) {
      return new RealAgent(vmId, pool, capacity, List.of(), List.of(), List.of(), true);
    }

    /** This exec agent with {@code command} as its list script. */
    public RealAgent withList(List<String> command) {
      if (vnc) {
        throw new IllegalArgumentException("a vnc agent lists its sessions itself; " + vmId + " takes no list script");
      }
      return new RealAgent(vmId, pool, capacity, startCommand, endCommand, command, false);
    }
  }

  /**
   * How the brokers are set up. Without {@code storeUrl} each broker has an embedded store of its
   * own, seeded alike; with one, they share that database.
   *
   * @param seed users, groups, pools and entitlements every store starts with
   * @param storeUrl a PostgreSQL URL shared by every broker, or null
   * @param storeUser its user, or null
   * @param passwordHashing the cost of the seeded users' password hashes
   * @param timeouts deadlines of the brokers' calls and requests
   * @param candidateSearch which concentrators of a set are asked for candidates
   * @param firstHttpPort the first broker's HTTP port (the demo's 8080); 0 for a free one
   * @param signInNotice what the portal shows above its sign-in form; empty for nothing
   */
  public record BrokerSpec(
      Seed seed,
      String storeUrl,
      String storeUser,
      PasswordHashing passwordHashing,
      BrokerSettings.Timeouts timeouts,
      CandidateSearch candidateSearch,
      int firstHttpPort,
      String signInNotice) {

    public static final BrokerSpec DEFAULT = new BrokerSpec(Seed.EMPTY, null, null, PasswordHashing.FAST,
        BrokerSettings.Timeouts.DEFAULTS, CandidateSearch.DEFAULT, 0, "");

    public BrokerSpec withSeed(Seed newSeed) {
      return new BrokerSpec(newSeed, storeUrl, storeUser, passwordHashing, timeouts, candidateSearch,
          firstHttpPort, signInNotice);
    }

    /** Every broker on the one PostgreSQL database at {@code url}. */
    public BrokerSpec withSharedStore(String url, String user) {
      return new BrokerSpec(seed, url, user, passwordHashing, timeouts, candidateSearch, firstHttpPort,
          signInNotice);
    }

    public BrokerSpec withPasswordHashing(PasswordHashing hashing) {
      return new BrokerSpec(seed, storeUrl, storeUser, hashing, timeouts, candidateSearch, firstHttpPort,
          signInNotice);
    }

    public BrokerSpec withTimeouts(BrokerSettings.Timeouts newTimeouts) {
      return new BrokerSpec(seed, storeUrl, storeUser, passwordHashing, newTimeouts, candidateSearch,
          firstHttpPort, signInNotice);
    }

    public BrokerSpec withCandidateSearch(CandidateSearch search) {
      return new BrokerSpec(seed, storeUrl, storeUser, passwordHashing, timeouts, search, firstHttpPort,
          signInNotice);
    }

    public BrokerSpec withFirstHttpPort(int port) {
      return new BrokerSpec(seed, storeUrl, storeUser, passwordHashing, timeouts, candidateSearch, port,
          signInNotice);
    }

    public BrokerSpec withSignInNotice(String notice) {
      return new BrokerSpec(seed, storeUrl, storeUser, passwordHashing, timeouts, candidateSearch,
          firstHttpPort, notice);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The id of set number {@code s}, from 0: a, b, c, ... */
  public static String setId(int s) {
    return String.valueOf((char) ('a' + s));
  }

  /** The concentrators' ids, set by set: a1, a2, b1, b2, ... */
  public List<String> concentratorIds() {
    List<String> ids = new ArrayList<>();
    for (int s = 0; s < sets; s++) {
      for (int c = 1; c <= concentratorsPerSet; c++) {
        ids.add(setId(s) + c);
      }
    }
    return ids;
  }

  /** The brokers' names: broker-1, broker-2, ... */
  public List<String> brokerNames() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= brokers; i++) {
      names.add("broker-" + i);
    }
    return names;
  }

  /** True when the fleet has VMs to simulate. */
  public boolean simulates() {
    return fleet.vmCount() > 0;
  }

  /** Agent links when every VM is attached in every set. */
  public int expectedLinks() {
    return (fleet.vmCount() + agents.size()) * sets;
  }

  /** Builds a {@link ClusterSpec}; each setter names what it sets. */
  public static final class Builder {
    private int sets = 2;
    private int concentratorsPerSet = 2;
    private Duration heartbeat = Duration.ofSeconds(2);
    private SimulatedFleet.Spec fleet = new SimulatedFleet.Spec(List.of(),
        io.shardbroker.agent.host.SimulatedSessionHost.Settings.DEFAULTS, 42);
    private final List<RealAgent> agents = new ArrayList<>();
    private int brokers = 1;
    private BrokerSpec broker = BrokerSpec.DEFAULT;
    private boolean plaintext;

    private Builder() {}

    public Builder sets(int count) {
      this.sets = count;
      return this;
    }

    public Builder concentratorsPerSet(int count) {
      this.concentratorsPerSet = count;
      return this;
    }

    public Builder heartbeat(Duration interval) {
      this.heartbeat = interval;
      return this;
    }

    public Builder fleet(SimulatedFleet.Spec spec) {
      this.fleet = spec;
      return this;
    }

    public Builder agent(RealAgent agent) {
      this.agents.add(agent);
      return this;
    }

    public Builder brokers(int count) {
      this.brokers = count;
      return this;
    }

    public Builder broker(BrokerSpec spec) {
      this.broker = spec;
      return this;
    }

    public Builder plaintext(boolean plain) {
      this.plaintext = plain;
      return this;
    }

    public ClusterSpec build() {
      return new ClusterSpec(sets, concentratorsPerSet, heartbeat, fleet, agents, brokers, broker, plaintext);
    }
  }
}
