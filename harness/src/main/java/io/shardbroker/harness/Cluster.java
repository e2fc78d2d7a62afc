package io.shardbroker.harness;

import io.shardbroker.protocol.v1.Topology;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A whole shardbroker, started from a {@link ClusterSpec}: concentrators in sets, brokers, a
 * simulated fleet and real agents. A scenario written against this interface runs on both
 * implementations: {@link InProcessCluster}, every role in this JVM (in-process gRPC and a
 * manual clock for tests, or loopback sockets for the demo), and {@link ProcessCluster}, every
 * role a separate process started from the product jar, as an operator runs them.
 *
 * <p>Members are named as the topology and the spec name them: concentrators {@code a1},
 * {@code a2}, {@code b1}, ...; brokers {@code broker-1}, ...; the simulated fleet {@value #SIM};
 * a real agent by its VM id. Faults act on members: {@link #kill} is a host dying (no goodbye),
 * {@link #pause} a process that stops answering (SIGSTOP), {@link #restart} brings a killed
 * member back on the same address. Every wait is bounded.
 *
 * <p>Thread-safe: a fault schedule and a load generator may act on one cluster at once.
 */
public interface Cluster extends AutoCloseable {

  /** The member that runs the simulated fleet. */
  String SIM = "sim";

  ClusterSpec spec();

  /** The newest topology: its version grows with {@link #addConcentrator}. */
  Topology topology();

  /** The concentrators' ids, set by set, those added since included. */
  List<String> concentrators();

  /** The brokers' HTTP addresses, {@code http://127.0.0.1:PORT}, in the order of their names. */
  List<URI> brokers();

  /** True when every VM is attached in every set and every broker reaches a concentrator. */
  boolean ready();

  /**
   * Waits until {@link #ready}, on the wall clock: a cluster on a manual clock may need time moved
   * meanwhile (brokers learn of concentrators by health checks on their timer), which this does not.
   *
   * @throws IllegalStateException when that takes longer than {@code timeout}, naming what is missing
   */
  void awaitReady(Duration timeout) throws InterruptedException;

  /** Kills the member as a dying host does: its connections break, nothing is said goodbye. */
  void kill(String member) throws InterruptedException;

  /** Freezes the member (SIGSTOP): its connections stay open, and it answers nothing. */
  void pause(String member);

  /** Lets a paused member go on (SIGCONT). */
  void resume(String member);

  /**
   * Starts a killed member again, on the same address; returns once it serves. A restarted
   * concentrator starts empty and warms up, as in production.
   */
  void restart(String member) throws InterruptedException;

  /** True while the member runs (not killed; a paused member runs). */
  boolean running(String member);

  /**
   * Adds a concentrator to {@code set} at runtime, as an operator editing the topology does: starts
   * it, then hands the next topology version to the concentrators and brokers, whose agents
   * re-home by rendezvous hashing. Returns once the new concentrator serves.
   */
  void addConcentrator(String set, String id) throws InterruptedException;

  /** The simulated fleet's own record: every VM as its desktop saw it, and the run's violations. */
  FleetRecord fleet();

  /**
   * A client of {@code user} connecting to simulated VM {@code vmId} with a connection ticket: the
   * session it gets into, or empty when the VM's agent refuses the ticket (unknown, used, expired
   * or another user's).
   */
  Optional<String> connect(String vmId, String ticket, String user);

  /**
   * Cuts the network of {@code vms} VMs of the simulated fleet, drawn from {@code seed}, for
   * {@code outage}: their streams break and reconnect only after it. Their sessions go on.
   *
   * @return the VMs cut off
   */
  List<String> cutNetwork(int vms, Duration outage, long seed);

  /** Stops every member; nothing it started outlives it. */
  @Override
  void close();
}
