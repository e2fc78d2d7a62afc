package io.shardbroker.tools.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one load run came to, as the load generator writes it (JSON) and the storm reads it back.
 *
 * @param mode {@code open} (a fixed rate) or {@code closed} (a fixed number of users at once)
 * @param offered requests per second offered (open loop), or users at once (closed loop)
 * @param requested requests sent
 * @param sessions requests answered with a session (new or, rarely, one the user had)
 * @param reconnected of those, answered with a session the user already had
 * @param failed requests that got no session, by what they got ("503 pool_exhausted", "timed out")
 * @param seconds from the first request due to the last answer
 * @param throughput sessions per second over {@code seconds}
 * @param latencyMs p50, p90, p99, p99.9 and max of the answered requests, in milliseconds
 * @param histogram the latencies in microseconds, HdrHistogram's compressed encoding in Base64
 */
record LoadResult(
    String mode,
    double offered,
    long requested,
    long sessions,
    long reconnected,
    Map<String, Long> failed,
    double seconds,
    double throughput,
    Latency latencyMs,
    String histogram) {

  record Latency(double p50, double p90, double p99, double p999, double max, double mean) {}

  static LoadResult of(StormLoad.Plan plan, long sessions, long reconnected, Map<String, Long> failed,
      double seconds, Histogram micros) {
    Latency latency = new Latency(
        ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
        ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)),
        ms(micros.getMaxValue()), Math.round(micros.getMean()) / 1000.0);
    ByteBuffer buffer = ByteBuffer.allocate(micros.getNeededByteBufferCapacity());
    int length = micros.encodeIntoCompressedByteBuffer(buffer);
    String encoded = Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    return new LoadResult(plan.openLoop() ? "open" : "closed",
        plan.openLoop() ? plan.rate() : plan.concurrency(), plan.requests(), sessions, reconnected,
        failed, seconds, sessions / Math.max(seconds, 1e-9), latency, encoded);
  }

  long failures() {
    return failed.values().stream().mapToLong(Long::longValue).sum();
  }

  /** One line for people: what was offered and what came of it. */
  String summary() {
    return String.format(Locale.ROOT,
        "%s %s: %d sessions, %d failed, %.0f/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.1f ms%s",
        mode, mode.equals("open") ? String.format(Locale.ROOT, "%.0f/s", offered)
            : String.format(Locale.ROOT, "x%.0f", offered),
        sessions, failures(), throughput, latencyMs.p50(), latencyMs.p90(), latencyMs.p99(),
        latencyMs.p999(), latencyMs.max(), failed.isEmpty() ? "" : " " + failed);
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }
}
