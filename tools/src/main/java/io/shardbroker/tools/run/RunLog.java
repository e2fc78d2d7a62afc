package io.shardbroker.tools.run;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What a long local run (chaos, bench) prints while it runs: one line per event, stamped with the seconds since the
 * run began and the time of day (as the roles' logs show it, to find an event there), flushed at
 * once so a reader (or a CI log) sees faults as they happen. Thread-safe.
 */
public final class RunLog {

  /** The time of day as the roles' logs write it. */
  public static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

  private final PrintWriter out;
  private final long beganNanos = System.nanoTime();

  public RunLog(PrintWriter out) {
    this.out = out;
  }

  /** Seconds since the run began. */
  public double elapsed() {
    return (System.nanoTime() - beganNanos) / 1e9;
  }

  public synchronized void event(String format, Object... args) {
    out.printf(Locale.ROOT, "%7.1f s  %s  %s%n", elapsed(), LocalTime.now().format(TIME_OF_DAY),
        String.format(Locale.ROOT, format, args));
    out.flush();
  }

  /** A line without a time stamp: the header and the verdict. */
  public synchronized void line(String text) {
    out.println(text);
    out.flush();
  }
}
