package io.shardbroker.cli.bench;

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
   * counters of a database-backed system), and how long its fleet took to register.
   */
  record Started(
      URI broker,
      List<Long> serverPids,
      List<URI> prometheus,
      List<URI> statementCounters,
      double registrationSeconds,
      String registrationWhat) {}

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
