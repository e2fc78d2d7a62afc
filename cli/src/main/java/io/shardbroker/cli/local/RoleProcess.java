package io.shardbroker.cli.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One shardbroker role run as a child process with a fixed command line, which can be killed and
 * started again on the same ports. Its stdout and stderr are appended to {@code NAME.out} and
 * {@code NAME.log}, so the logs of every incarnation stay, one after the other.
 *
 * <p>Thread-safe: start, kill and stop are serialised on {@code this}; {@link #awaitReady} polls
 * without the lock, so a kill can interrupt a wait for readiness.
 */
public final class RoleProcess {

  /** What each role prints on stdout once it serves. */
  public static final String READY_MARK = "ready:";

  private final String name;
  private final List<String> command;
  private final Path out;
  private final Path log;
  // Guarded by this.
  private Process process;
  private int incarnation;
  private long outOffset;

  RoleProcess(String name, List<String> command, Path dir) {
    this.name = name;
    this.command = List.copyOf(command);
    this.out = dir.resolve(name + ".out");
    this.log = dir.resolve(name + ".log");
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  /** Starts a new incarnation (the previous one must be dead); returns its number for {@link #awaitReady}. */
  public synchronized int start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    outOffset = Files.exists(out) ? Files.size(out) : 0;
    incarnation++;
    if (incarnation > 1) {
      Files.writeString(log, "=== restart: start #" + incarnation + " at " + Instant.now() + " ===\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    process = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    return incarnation;
  }

  /**
   * Waits until incarnation {@code which} prints its ready line. False when it was killed on
   * purpose meanwhile (a newer fault won); throws when it died by itself or took too long.
   */
  public boolean awaitReady(int which, Duration timeout) throws InterruptedException, IOException {
    long giveUp = System.nanoTime() + timeout.toNanos();
    while (true) {
      Process p;
      long from;
      synchronized (this) {
        if (incarnation != which || process == null) {
          return false;
        }
        p = process;
        from = outOffset;
      }
      if (printedReady(from)) {
        return true;
      }
      if (!p.isAlive()) {
        synchronized (this) {
          if (incarnation != which || process != p) {
            return false;
          }
        }
        throw new IllegalStateException(name + " exited with code " + p.exitValue()
            + " before it was ready; see " + log);
      }
      if (System.nanoTime() > giveUp) {
        throw new IllegalStateException(name + " printed no ready line in " + timeout.toSeconds()
            + " s; see " + log);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  private boolean printedReady(long from) throws IOException {
    if (!Files.exists(out) || Files.size(out) <= from) {
      return false;
    }
    try (InputStream in = Files.newInputStream(out)) {
      in.skipNBytes(from);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains(READY_MARK);
    }
  }

  /** kill -9: the process gets no chance to close anything, as when a host dies. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Asks the process to stop (SIGTERM), without waiting; {@link #awaitStopped} waits. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
    }
  }

  /** Waits up to {@code grace} for a stopped process to end, then kills it. */
  public void awaitStopped(Duration grace) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p != null && !p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    synchronized (this) {
      if (process == p) {
        process = null;
      }
    }
  }

  /** The running incarnation's process id; fails when none runs. */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException(name + " is not running");
    }
    return process.pid();
  }

  /**
   * Waits for a process that ends by itself (a run to completion) and returns its exit code;
   * kills it and throws when it takes longer than {@code timeout}.
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      throw new IllegalStateException(name + " was not started");
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      throw new IllegalStateException(name + " did not finish in " + timeout.toSeconds() + " s; see " + log);
    }
    return p.exitValue();
  }

  /** What the process printed on stdout (all incarnations). */
  public Path out() {
    return out;
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** Kills without waiting: for a shutdown hook, where nothing may block for long. */
  synchronized void destroyForcibly() {
    if (process != null) {
      process.destroyForcibly();
    }
  }
}
