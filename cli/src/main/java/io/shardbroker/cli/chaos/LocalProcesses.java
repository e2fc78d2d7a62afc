package io.shardbroker.cli.chaos;

import io.shardbroker.cli.ShardbrokerCommand;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Starts shardbroker roles as child processes on this machine, from the shaded jar (see
 * {@link #findJar}) and with this JVM's own {@code java}. Every child is ended when this is closed, and by a
 * shutdown hook when the JVM is stopped (Ctrl-C) first, so no role outlives the run.
 */
final class LocalProcesses implements AutoCloseable {

  static final String JAR_PROPERTY = "shardbroker.jar";

  private final Path jar;
  private final String java;
  private final Path logDir;
  private final List<RoleProcess> processes = new ArrayList<>();  // guarded by itself
  private final Thread shutdownHook = new Thread(this::destroyAll, "chaos-children");

  LocalProcesses(Path logDir) throws IOException {
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
  static Path findJar() {
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
    throw new IllegalArgumentException("chaos starts every role from the shardbroker jar, but this JVM "
        + "runs from " + runningFrom + "; run 'java -jar cli/target/shardbroker.jar chaos' "
        + "(or ./shardbroker chaos), or name the jar with -D" + JAR_PROPERTY + "=PATH");
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

  /** A TCP port on loopback that was free a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * A role process, not started yet: {@code shardbroker ARGS} in a JVM with at most {@code heap}
   * and the serial collector (many small JVMs share few cores). With {@code quickStart}, only the
   * client compiler: for roles restarted often, whose start must be quick and whose work is light.
   */
  RoleProcess define(String name, String heap, boolean quickStart, List<String> args) {
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseSerialGC"));
    if (quickStart) {
      command.add("-XX:TieredStopAtLevel=1");
    }
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(args);
    RoleProcess process = new RoleProcess(name, command, logDir);
    synchronized (processes) {
      processes.add(process);
    }
    return process;
  }

  Path logDir() {
    return logDir;
  }

  /** Stops every child: SIGTERM to all at once, then up to {@code grace} each before kill -9. */
  void stopAll(Duration grace) throws InterruptedException {
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
