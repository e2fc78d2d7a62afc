package io.shardbroker.tools.chaos;

import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tally of every storm request: ok (2xx with the answer the user should get), retryable (an
 * answer that says to try again, with {@code Retry-After}, or a connection to a broker that was
 * down), or error (everything else, hangs included). Each error is also written, with what is
 * needed to find it in the roles' logs (time, user, broker, request id, answer), to
 * {@code errors.log}; each retryable answer likewise to {@code retryable.log}. Thread-safe.
 */
final class Outcomes implements AutoCloseable {

  enum Kind { OK, RETRYABLE, ERROR }

  /** The counts at one moment. */
  record Snapshot(long requests, long ok, long retryable, long errors, Duration maxLatency) {}

  private static final int EXAMPLES = 10;

  private final LongAdder ok = new LongAdder();
  private final LongAdder retryable = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final AtomicLong maxLatencyNanos = new AtomicLong();
  private final AtomicLong recentMaxLatencyNanos = new AtomicLong();
  private final Map<String, LongAdder> byWhat = new ConcurrentHashMap<>();
  private final List<String> examples = new ArrayList<>();  // guarded by itself
  private final Writer errorLog;
  private final Writer retryableLog;

  /** Writes errors to {@code errors.log} and retryable answers to {@code retryable.log} in {@code dir}. */
  Outcomes(Path dir) throws IOException {
    this.errorLog = Files.newBufferedWriter(dir.resolve("errors.log"), StandardCharsets.UTF_8);
    this.retryableLog = Files.newBufferedWriter(dir.resolve("retryable.log"), StandardCharsets.UTF_8);
  }

  /**
   * Counts one request.
   *
   * @param what a short label to group by, e.g. {@code POST 503 pool_exhausted}
   * @param detail for errors and retryable answers: what happened and where to look
   */
  void record(Kind kind, String what, long latencyNanos, String detail) {
    (switch (kind) {
      case OK -> ok;
      case RETRYABLE -> retryable;
      case ERROR -> errors;
    }).increment();
    byWhat.computeIfAbsent(kind.name().toLowerCase(Locale.ROOT) + ": " + what, k -> new LongAdder()).increment();
    maxLatencyNanos.accumulateAndGet(latencyNanos, Math::max);
    recentMaxLatencyNanos.accumulateAndGet(latencyNanos, Math::max);
    if (kind != Kind.OK) {
      String line = String.format(Locale.ROOT, "%s %s (%d ms) %s",
          LocalTime.now().minusNanos(latencyNanos).format(RunLog.TIME_OF_DAY), what,
          latencyNanos / 1_000_000, detail);
      synchronized (examples) {
        if (kind == Kind.ERROR && examples.size() < EXAMPLES) {
          examples.add(line);
        }
        write(kind == Kind.ERROR ? errorLog : retryableLog, line);
      }
    }
  }

  private static void write(Writer log, String line) {
    try {
      log.write(line + "\n");
      log.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Snapshot snapshot() {
    long o = ok.sum();
    long r = retryable.sum();
    long e = errors.sum();
    return new Snapshot(o + r + e, o, r, e, Duration.ofNanos(maxLatencyNanos.get()));
  }

  /** The slowest answer since the last call, for progress lines. */
  Duration takeRecentMaxLatency() {
    return Duration.ofNanos(recentMaxLatencyNanos.getAndSet(0));
  }

  /** Requests grouped by kind and label, e.g. {@code "retryable: POST 503 pool_exhausted" -> 12}. */
  Map<String, Long> byWhat() {
    Map<String, Long> sorted = new TreeMap<>();
    byWhat.forEach((k, v) -> sorted.put(k, v.sum()));
    return sorted;
  }

  /** The first few errors, as written to the error log. */
  List<String> errorExamples() {
    synchronized (examples) {
      return List.copyOf(examples);
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (examples) {
      errorLog.close();
      retryableLog.close();
    }
  }
}
