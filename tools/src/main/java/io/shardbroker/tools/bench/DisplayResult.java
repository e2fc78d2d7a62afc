package io.shardbroker.tools.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * What {@code bench display} measured, as its results file keeps it: each viewer connection, the
 * path's share of the direct connection's throughput and the latency it adds, and the broker's
 * heap per open display.
 *
 * @param connections {@code direct}, {@code relay} and {@code path}, in that order
 * @param ratio the path's bytes per second over the direct connection's
 * @param relayRatio the relay's alone over the direct connection's
 * @param addedLatencyMs the path's round-trip percentiles less the direct connection's
 * @param heap the broker's heap with displays open
 */
record DisplayResult(
    List<Connection> connections, double ratio, double relayRatio, Latency addedLatencyMs, Heap heap) {

  static final double MIB = 1024.0 * 1024.0;
  static final double GIB = MIB * 1024.0;

  /** Percentiles of round trips in milliseconds. */
  record Latency(double p50, double p90, double p99, double max) {

    static Latency of(Histogram nanos) {
      return new Latency(ms(nanos.getValueAtPercentile(50)), ms(nanos.getValueAtPercentile(90)),
          ms(nanos.getValueAtPercentile(99)), ms(nanos.getMaxValue()));
    }

    Latency minus(Latency other) {
      return new Latency(p50 - other.p50, p90 - other.p90, p99 - other.p99, max - other.max);
    }

    private static double ms(long nanos) {
      return nanos / 1e6;
    }
  }

  /**
   * One viewer connection's figures.
   *
   * @param name {@code direct}, {@code relay} or {@code path}
   * @param describe what carries it
   * @param frames whole screens pulled in the throughput phase
   * @param bytes their RFB bytes, headers included
   * @param seconds the throughput phase's length, to the last frame's end
   * @param mibPerSecond {@code bytes} per second, in MiB
   * @param framesPerSecond {@code frames} per second
   * @param cpuSecondsPerGib CPU of this JVM (agent, relay, viewers; the synthetic display) per GiB pulled
   * @param desktopCpuSecondsPerGib CPU of the Xvnc desktop's processes per GiB pulled; 0 for the synthetic one
   * @param brokerCpuSecondsPerGib CPU of the broker's process per GiB pulled (idle but for the path)
   * @param probes round trips timed in the latency phase
   * @param roundTripMs from sending a small update request to its answer's first byte
   * @param histogram the round trips in nanoseconds, HdrHistogram's compressed encoding in Base64
   */
  record Connection(
      String name, String describe, long frames, long bytes, double seconds, double mibPerSecond,
      double framesPerSecond, double cpuSecondsPerGib, double desktopCpuSecondsPerGib,
      double brokerCpuSecondsPerGib, long probes, Latency roundTripMs, String histogram) {

    static Connection of(String name, String describe, RfbViewer.Pulled pulled, double cpuSeconds,
        double desktopCpuSeconds, double brokerCpuSeconds, Histogram nanos) {
      double gib = pulled.bytes() / GIB;
      ByteBuffer buffer = ByteBuffer.allocate(nanos.getNeededByteBufferCapacity());
      int length = nanos.encodeIntoCompressedByteBuffer(buffer);
      return new Connection(name, describe, pulled.frames(), pulled.bytes(), pulled.seconds(),
          pulled.bytes() / MIB / pulled.seconds(), pulled.frames() / pulled.seconds(), cpuSeconds / gib,
          desktopCpuSeconds / gib, brokerCpuSeconds / gib, nanos.getTotalCount(), Latency.of(nanos),
          Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
    }

    /** Milliseconds of CPU per frame pulled, from seconds per GiB. */
    double msPerFrame(double secondsPerGib) {
      return frames == 0 ? 0 : secondsPerGib * bytes / GIB / frames * 1000;
    }
  }

  /**
   * The broker's heap, live after a full collection, with {@code displays} more users signed in
   * and their sessions made (baseline), then with their displays open and idle. Direct buffers are
   * not on the heap; their growth is reported beside it.
   *
   * @param kibPerDisplay (open - baseline) / displays, in KiB; -1 when not measured
   * @param directKibPerDisplay growth of the broker's direct buffers per display, in KiB; -1 when
   *     not measured
   */
  record Heap(int displays, long baselineBytes, long openBytes, double kibPerDisplay, double directKibPerDisplay) {

    boolean measured() {
      return baselineBytes >= 0 && openBytes >= 0;
    }
  }

  /** With the ratios and the added latency worked out from {@code connections}. */
  static DisplayResult of(List<Connection> connections, Heap heap) {
    DisplayResult named = new DisplayResult(List.copyOf(connections), 0, 0, null, heap);
    Connection direct = named.connection("direct");
    return new DisplayResult(named.connections(), named.connection("path").mibPerSecond() / direct.mibPerSecond(),
        named.connection("relay").mibPerSecond() / direct.mibPerSecond(),
        named.connection("path").roundTripMs().minus(direct.roundTripMs()), heap);
  }

  Connection connection(String name) {
    return connections.stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no connection named " + name));
  }

  Connection direct() {
    return connection("direct");
  }

  Connection path() {
    return connection("path");
  }
}
