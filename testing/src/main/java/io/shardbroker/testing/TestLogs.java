package io.shardbroker.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Keeps the log lines of the test that runs now, from every thread, so that a test that fails can
 * print them ({@link TestLogsExtension}) while the build's output shows only warnings. The
 * appender of {@code logback-test.xml}; at most {@value #KEPT} lines, the newest.
 *
 * <p>Thread-safe: every thread of a test logs here; tests of a module run one at a time.
 */
public final class TestLogs extends AppenderBase<ILoggingEvent> {

  static final int KEPT = 5_000;
  private static final Deque<String> LINES = new ArrayDeque<>();  // guarded by itself
  private static long dropped;  // guarded by LINES

  private Encoder<ILoggingEvent> encoder;

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("TestLogs needs an encoder");
      return;
    }
    encoder.start();
    super.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    synchronized (LINES) {
      if (LINES.size() == KEPT) {
        LINES.removeFirst();
        dropped++;
      }
      LINES.addLast(line);
    }
  }

  /** Forgets what was kept: a new test begins. */
  static void clear() {
    synchronized (LINES) {
      LINES.clear();
      dropped = 0;
    }
  }

  /** What was kept since the last {@link #clear}, oldest first, with a note of lines dropped. */
  static List<String> lines() {
    synchronized (LINES) {
      List<String> all = new ArrayList<>(LINES.size() + 1);
      if (dropped > 0) {
        all.add("(" + dropped + " earlier lines dropped)\n");
      }
      all.addAll(LINES);
      return all;
    }
  }
}
