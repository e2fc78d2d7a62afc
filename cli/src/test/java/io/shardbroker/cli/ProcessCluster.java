package io.shardbroker.cli;

import static org.awaitility.Awaitility.await;

import io.shardbroker.cli.local.LocalCertificates;
import io.shardbroker.cli.local.LocalProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Roles as separate JVM processes, started from the shaded jar the build just made, the way an
 * operator runs them. Each process's stdout and stderr go to files in {@code dir}, which is
 * emptied first and stays after the test for reading. Processes can be stopped (SIGTERM) or killed (SIGKILL).
 */
final class ProcessCluster implements AutoCloseable {

  private final Path jar;
  final Path dir;
  /** Certificates of a CA made for this cluster: every role runs with mutual TLS, as in production. */
  final LocalCertificates certificates;
  private final Map<String, Process> processes = new LinkedHashMap<>();

  ProcessCluster(Path dir) throws IOException {
    String jarProperty = System.getProperty("shardbroker.jar");
    if (jarProperty == null) {
      throw new IllegalStateException("run through 'mvnw verify' (failsafe passes -Dshardbroker.jar)");
    }
    this.jar = Path.of(jarProperty);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the package phase builds it");
    }
    deleteRecursively(dir);  // logs and files of an earlier run would mislead this one
    this.dir = Files.createDirectories(dir);
    this.certificates = LocalCertificates.in(dir.resolve("certs"));
  }

  /** {@code args} followed by {@code more}: a role's arguments and its {@code --tls-*} flags. */
  static List<String> with(List<String> args, List<String> more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(more);
    return all;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** A TCP port that was free a moment ago. */
  static int freePort() {
    try {
      return LocalProcesses.freePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts {@code shardbroker <args>} as process {@code name}. */
  Process start(String name, List<String> args, String heap) throws IOException {
    return start(name, args, heap, Map.of());
  }

  /** Starts {@code shardbroker <args>} as process {@code name}, with more environment variables. */
  Process start(String name, List<String> args, String heap, Map<String, String> env)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(dir.resolve(name + ".log").toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.put(name, process);
    return process;
  }

  /** Waits until process {@code name} prints its ready line; fails at once if it died. */
  void awaitReady(String name, Duration timeout) {
    Process process = processes.get(name);
    await("ready line of " + name).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + "; its log:\n" + tail(name));
      }
      return Files.readString(dir.resolve(name + ".out")).contains(" ready:");
    });
  }

  /** Everything process {@code name} logged so far. */
  String log(String name) throws IOException {
    return Files.readString(dir.resolve(name + ".log"));
  }

  /** The last lines of a process's log, for failure messages. */
  String tail(String name) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    processes.values().forEach(Process::destroy);
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
