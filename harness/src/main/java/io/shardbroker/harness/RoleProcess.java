package io.shardbroker.harness;

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
 * One shardbroker role run as a child process, which can be killed, frozen and started again (on
 * the same ports, which its parent holds: see {@link HeldPorts}). Its stdout and stderr are
 * appended to {@code NAME.out} and {@code NAME.log}, so the logs of every incarnation stay, one
 * after the other.
 *
 * <p>Thread-safe: start, kill and stop are serialised on {@code this}; {@link #awaitReady} polls
 * without the lock, so a kill can interrupt a wait for readiness.
 */
public final class RoleProcess {

  /** What each role prints on stdout once it serves. */
  public static final String READY_MARK = "ready:";

  private final String name;
  // Guarded by this.
  private List<String> command;
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

  /** The command line of the next incarnation, e.g. a restarted concentrator's, which warms up. */
  public synchronized void command(List<String> next) {
    this.command = List.copyOf(next);
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
    return readyLineFrom(from) != null;
  }

  private String readyLineFrom(long from) throws IOException {
    if (!Files.exists(out) || Files.size(out) <= from) {
      return null;
    }
    try (InputStream in = Files.newInputStream(out)) {
      in.skipNBytes(from);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> line.contains(READY_MARK)).findFirst().orElse(null);
    }
  }

  /**
   * The line the running incarnation printed when it was ready (each role names there what it
   * bound, e.g. a port it was given as 0), or null before that.
   */
  public String readyLine() throws IOException {
    long from;
    synchronized (this) {
      from = outOffset;
    }
    return readyLineFrom(from);
  }

  /** kill -9: the process gets no chance to close anything, as when a host dies. A frozen one dies too. */
  public synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Freezes the process (SIGSTOP): it keeps its sockets open and answers nothing. */
  public synchronized void pause() {
    signal("STOP");
  }

  /** Lets a frozen process go on (SIGCONT). */
  public synchronized void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException(this.name + " is not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: "
            + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot signal " + this.name + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + this.name, e);
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
