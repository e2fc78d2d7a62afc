package io.shardbroker.cli.local;

import io.shardbroker.cli.ShardbrokerCommand;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Starts shardbroker roles as child processes on this machine, from the shaded jar (see
 * {@link #findJar}) and with this JVM's own {@code java}. Every child is ended when this is closed, and by a
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

  public LocalProcesses(Path logDir) throws IOException {
    this.jar = findJar();
    this.java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    this.logDir = Files.createDirectories(logDir);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * The shaded jar: the one the {@value #JAR_PROPERTY} system property names (tests set it), else
   * the runnable jar this JVM runs from; a clear error otherwise.
   */
  public static Path findJar() {
    String property = System.getProperty(JAR_PROPERTY);
    if (property != null) {
      Path given = Path.of(property);
      if (!Files.isRegularFile(given)) {
        throw new IllegalArgumentException("-D" + JAR_PROPERTY + " names " + given
            + ", which does not exist; build it with ./mvnw -pl cli -am package");
      }
      return given;
    }
    CodeSource source = ShardbrokerCommand.class.getProtectionDomain().getCodeSource();
    String runningFrom = "an unknown location";
    if (source != null) {
      runningFrom = source.getLocation().toString();
      try {
        Path location = Path.of(source.getLocation().toURI());
        if (runnable(location)) {
          return location;
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // not a file: say where it runs from below
      }
    }
    throw new IllegalArgumentException("this command starts every role from the shardbroker jar, but "
        + "this JVM runs from " + runningFrom + "; run it as 'java -jar cli/target/shardbroker.jar ...' "
        + "(or ./shardbroker ...), or name the jar with -D" + JAR_PROPERTY + "=PATH");
  }

  /** A jar that {@code java -jar} can run: it names its main class (the module's thin jar does not). */
  private static boolean runnable(Path file) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (JarFile jar = new JarFile(file.toFile())) {
      Manifest manifest = jar.getManifest();
      return manifest != null && manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Where {@link #freePort} draws ports: below the ephemeral range, above the well-known ones. */
  private static final int PRIVATE_PORTS_FROM = 20_000;
  private static final int PRIVATE_PORTS_TO = 32_000;

  /**
   * A TCP port on loopback that was free a moment ago, for a process started later. It is drawn
   * below Linux's ephemeral range (32768 and up): a port from that range can be taken meanwhile
   * by any outgoing connection on the machine, which once made a chaos run's concentrator fail to
   * bind. Falls back to an ephemeral port when none is free below.
   */
  public static int freePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(PRIVATE_PORTS_FROM, PRIVATE_PORTS_TO);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
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
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
    command.addAll(jvm.options);
    String extra = System.getenv(CHILD_JAVA_OPTS);
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(args);
    RoleProcess process = new RoleProcess(name, command, logDir);
    synchronized (processes) {
      processes.add(process);
    }
    return process;
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
