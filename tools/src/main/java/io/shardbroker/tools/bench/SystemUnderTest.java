package io.shardbroker.tools.bench;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * One of the systems a storm measures, started as separate processes on this machine with a
 * fleet of {@code vms} single-user desktops in pool {@code desktop} and users s000001 and up.
 */
interface SystemUnderTest extends AutoCloseable {

  /**
   * A started system: where its broker listens, and what to measure: the server processes' ids,
   * the URLs of their message counters (Prometheus text of concentrators, or JSON statement
   * counters of a database-backed system), how long its fleet took to register, and its heap
   * once registered.
   */
  record Started(
      URI broker,
      List<Long> serverPids,
      List<URI> prometheus,
      List<URI> statementCounters,
      double registrationSeconds,
      String registrationWhat,
      Heap heap) {}

  /**
   * Live heap once the fleet is registered and before the storm, after a full collection (see
   * {@link HeapProbe}): per VM on a concentrator (its live heap over the VMs attached to it,
   * averaged over the concentrators; the JVM's and the libraries' own objects included), and the
   * broker's at rest. -1 where not measured.
   */
  record Heap(double concentratorBytesPerVm, long brokerBytes) {
    static final Heap UNMEASURED = new Heap(-1, -1);
  }

  /** Short name for tables and the last line: {@code sharded}, {@code central-db}, ... */
  String name();

  /** What it is, for people: "2 sets x 2 concentrators, 1 broker". */
  String describe();

  /**
   * Starts every process and returns once the broker is ready and every VM can be brokered.
   * {@code serverPids} are the server side (brokers, concentrators, the database), whose CPU the
   * storm reports; the simulated fleet stands for VMs and is not counted.
   */
  Started start() throws IOException, InterruptedException;

  /** Stops what the system started outside its role processes (those stop with their {@code LocalProcesses}). */
  @Override
  default void close() throws IOException {}
}
