package io.shardbroker.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts shardbroker roles as child processes on this machine, from the shaded product jar and
 * with this JVM's own {@code java}. Every child is ended when this is closed, and by a
 * shutdown hook when the JVM is stopped (Ctrl-C) first, so no role outlives the run.
 */
public final class LocalProcesses implements AutoCloseable {

  public static final String JAR_PROPERTY = "shardbroker.jar";
  /**
   * Environment variable with JVM options for every child, e.g. to profile them all:
   * {@code -XX:StartFlightRecording=filename=/tmp/jfr/%p.jfr}.
   */
  public static final String CHILD_JAVA_OPTS = "SHARDBROKER_CHILD_JAVA_OPTS";

  private final Path jar;
  private final String java;
  private final Path logDir;
  private final List<RoleProcess> processes = new ArrayList<>();  // guarded by itself
  private final Thread shutdownHook = new Thread(this::destroyAll, "local-role-children");

  /** Children run {@code jar} (the shaded product jar) and log into {@code logDir}. */
  public LocalProcesses(Path jar, Path logDir) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(jar + " does not exist; build it with ./mvnw -pl cli -am package");
    }
    this.jar = jar;
    this.java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    this.logDir = Files.createDirectories(logDir);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * The product jar that the {@value #JAR_PROPERTY} system property names: the launcher sets it
   * for the tools, and the build for integration tests. A clear error when it is missing.
   */
  public static Path productJar() {
    String property = System.getProperty(JAR_PROPERTY);
    if (property == null) {
      throw new IllegalArgumentException("this command starts every role from the shardbroker jar: run it as "
          + "./shardbroker ..., or name the jar with -D" + JAR_PROPERTY + "=PATH");
    }
    Path given = Path.of(property);
    if (!Files.isRegularFile(given)) {
      throw new IllegalArgumentException("-D" + JAR_PROPERTY + " names " + given
          + ", which does not exist; build it with ./mvnw -pl cli -am package");
    }
    return given;
  }

  /**
   * How a child JVM is set up. Many JVMs share two cores here, so each gets the collector that
   * suits its part.
   */
  public enum Jvm {
    /** The client compiler and the serial collector: for roles restarted often, whose start must be quick. */
    QUICK_START("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
    /** Both compilers and the serial collector: small and light. */
    SMALL("-XX:+UseSerialGC"),
    /** Both compilers and the parallel collector on two threads: for throughput. */
    SERVER("-XX:+UseParallelGC", "-XX:ParallelGCThreads=2"),
    /** Both compilers and ZGC, whose pauses stay under a millisecond however large the heap. */
    LOW_PAUSE("-XX:+UseZGC");

    private final List<String> options;

    Jvm(String... options) {
      this.options = List.of(options);
    }
  }

  /**
   * A role process, not started yet: {@code shardbroker ARGS} in a JVM with at most {@code heap},
   * set up as {@code jvm} says. The options in {@value #CHILD_JAVA_OPTS}, if set, come after these.
   */
  public RoleProcess define(String name, String heap, Jvm jvm, List<String> args) {
    RoleProcess process = new RoleProcess(name, command(heap, jvm, args), logDir);
    synchronized (processes) {
      processes.add(process);
    }
    return process;
  }

  /** The command line of {@code shardbroker ARGS} in a JVM as {@link #define} sets it up. */
  public List<String> command(String heap, Jvm jvm, List<String> args) {
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
    command.addAll(jvm.options);
    String extra = System.getenv(CHILD_JAVA_OPTS);
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(args);
    return command;
  }

  public Path logDir() {
    return logDir;
  }

  /** Stops every child: SIGTERM to all at once, then up to {@code grace} each before kill -9. */
  public void stopAll(Duration grace) throws InterruptedException {
    List<RoleProcess> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    all.forEach(RoleProcess::stop);
    for (RoleProcess p : all) {
      p.awaitStopped(grace);
    }
  }

  private void destroyAll() {
    List<RoleProcess> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    all.forEach(RoleProcess::destroyForcibly);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stopAll(Duration.ofSeconds(10));
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook runs anyway
      }
    }
  }
}
