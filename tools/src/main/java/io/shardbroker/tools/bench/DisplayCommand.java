package io.shardbroker.tools.bench;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.display.VncAuth;
import io.shardbroker.agent.host.vnc.VncHostSettings;
import io.shardbroker.agent.host.vnc.VncSessionHost;
import io.shardbroker.broker.DisplaySettings;
import io.shardbroker.cli.Logging;
import io.shardbroker.cli.config.Durations;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.tools.run.RunLog;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "display",
    mixinStandardHelpOptions = true,
    header = "Measures the display path: throughput and added latency through the broker's gateway and an "
        + "agent's relay against a direct connection to the display, and the broker's heap per open display.",
    description = {
        "One display, three viewers, in one run on this machine. The display (--display) is either a real desktop, "
            + "'xvnc': a session of the agent's vnc host, a TigerVNC Xvnc whose terminal scrolls random text over the "
            + "whole screen, so every update has new pixels; the viewers ask for Tight, as noVNC does, and get it "
            + "lossless. Or it is 'synthetic': an RFB server on a Unix socket in this JVM that asks for VNC "
            + "authentication, as Xvnc does, and answers every FramebufferUpdateRequest at once with one raw "
            + "rectangle of the region asked for (32 bits a pixel, from a pattern drawn from --seed), so that "
            + "throughput is what a viewer pulls: the path's ceiling, not a desktop's.",
        "",
        "'direct' reads it over its Unix socket, as the agent's display relay does. 'path' reads it as a browser "
            + "does: the broker's WebSocket (GET /api/v1/sessions/{id}/display, JDK WebSocket client), the broker's "
            + "process, TLS to the agent's display relay, and the Unix socket. 'relay', to tell the two hops "
            + "apart, dials the relay itself as a broker does, TLS with a broker's certificate, without the broker. "
            + "The concentrator and the broker run as processes of their own from the product jar; the agent, its "
            + "relay and the display run in this JVM, with certificates of the cluster's CA.",
        "",
        "Each viewer asks for the whole screen and asks again once the update has come, as noVNC does. After a "
            + "--warmup of each: --duration of throughput on each (MiB/s, frames/s, CPU seconds per GiB), then "
            + "--duration of round trips on each (a 16x16 update request to the first byte of its answer, "
            + "p50/p90/p99). Before all that, with the path's display open, --displays more users open their "
            + "displays through the gateway and idle, and the broker's live heap (jcmd GC.class_histogram, after "
            + "a full collection) is taken before and after: KiB per open display.",
        "",
        "Writes everything as JSON under --results, prints a table, and as its last line:",
        "  display: path <MiB/s> MiB/s, direct <MiB/s> MiB/s, ratio <path/direct>; added latency p50 <ms> ms, "
            + "p99 <ms> ms; broker heap <KiB> KiB per display"
    })
public final class DisplayCommand implements Callable<Integer> {

  private static final String MARKER = ".shardbroker-bench";
  private static final Pattern SCREEN = Pattern.compile("(\\d+)x(\\d+)");
  /** The largest screen side: RFB sizes are 16 bits, and the pattern is held in memory. */
  static final int MOST_PIXELS_A_SIDE = 4096;
  /** The goals, for the report. */
  static final double RATIO_GOAL = 0.80;
  static final double KIB_PER_DISPLAY_GOAL = 64;
  /** Users of the path's and the relay's viewers; the heap's displays are users from {@link #FIRST_HEAP_USER} on. */
  private static final int PATH_USER = 1;
  private static final int RELAY_USER = 2;
  private static final int FIRST_HEAP_USER = 3;

  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "A short run that checks it all works (its figures say little): sets "
      + "--warmup 1s, --duration 2s, --displays 20, unless given.")
  boolean quick;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "Length of each measured phase: throughput of each viewer, then round trips of each "
          + "(default: 10s; --quick 2s).")
  String duration;

  @Option(names = "--warmup", paramLabel = "DURATION",
      description = "Pulling and probing on each viewer first, not reported (default: 5s; --quick 1s).")
  String warmup;

  @Option(names = "--displays", paramLabel = "N",
      description = "Displays open at once for the broker's heap per display, 1.." + DisplaySettings.MAX_OPEN_DEFAULT
          + " (default: 50; --quick 20).")
  Integer displays;

  /** What the viewers look at. */
  enum Source { xvnc, synthetic }

  @Option(names = "--display", paramLabel = "xvnc|synthetic",
      description = "The display: a real Xvnc desktop, or the synthetic one that answers at once in raw pixels "
          + "(default: xvnc when Xvnc is installed, else synthetic).")
  Source source;

  @Option(names = "--screen", paramLabel = "WxH", defaultValue = "1280x800",
      description = "The display's size; a frame is W x H x 4 bytes (default: ${DEFAULT-VALUE}).")
  String screen;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the display's pixel pattern (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--results", paramLabel = "DIR", defaultValue = "bench/results",
      description = "Where the JSON results go (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "target/bench-display",
      description = "Configs, stores and logs of the processes; emptied first (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    Duration phase = Durations.parse(duration != null ? duration : quick ? "2s" : "10s");
    Duration warm = Durations.parse(warmup != null ? warmup : quick ? "1s" : "5s");
    int open = displays != null ? displays : quick ? 20 : 50;
    int[] size = screenSize();
    validate(phase, warm, open);
    WorkDir.refuseForeign(workDir, MARKER, "bench");
    LocalProcesses.productJar();  // say now, before anything is written, when there is no jar to run
    WorkDir.prepare(workDir, MARKER, "bench display");
    Logging.level("io.shardbroker.agent", "WARN");  // the agent in this JVM: its refusals only
    RunLog log = new RunLog(spec.commandLine().getOut());
    Source shown = source != null ? source
        : VncSessionHost.installedXvnc(VncHostSettings.XVNC_DEFAULT).isPresent() ? Source.xvnc : Source.synthetic;
    if (source == null && shown == Source.synthetic) {
      log.line("display: Xvnc is not installed, so the display is the synthetic one (for a real desktop: "
          + "apt-get install " + VncHostSettings.PACKAGES + ")");
    }
    log.line(String.format(Locale.ROOT, "display: %s, screen %dx%d (%.2f MiB of raw pixels, 32 bits), warm-up %s, "
        + "%s a phase; broker heap with %d displays open", shown == Source.xvnc ? "a real Xvnc desktop, Tight"
        : "synthetic, raw", size[0], size[1], size[0] * size[1] * 4 / DisplayResult.MIB, Durations.format(warm),
        Durations.format(phase), open));

    DisplayResult result;
    try (AutoCloseable display = shown == Source.xvnc ? XvncDisplay.start(size[0], size[1]) : synthetic(size)) {
      LocalDisplay local = display instanceof XvncDisplay x ? x.local() : ((SyntheticDisplay) display).local();
      try (DisplayPathSystem system = new DisplayPathSystem(FIRST_HEAP_USER - 1 + open, local,
          workDir.resolve("cluster"), log)) {
        log.event("path: starting (%s)", system.describe());
        system.start();
        result = measure(system, local, warm, phase, open, log);
      }
    } catch (IllegalStateException | IOException e) {
      log.line("display: aborted: " + e.getMessage());
      log.line("display: configs and logs are in " + workDir.toAbsolutePath().normalize());
      return 1;
    }
    Path file = ResultsFile.write(results, quick ? "display-quick-" : "display-",
        options(phase, warm, open, size, shown), "display", result);
    report(log, result, file);
    return result.connections().stream().allMatch(c -> c.bytes() > 0) ? 0 : 1;
  }

  /** One viewer of the run: its row's name, what carries it, and the display's password where it logs in itself. */
  private record Viewer(String name, String describe, RfbViewer rfb, byte[] password) {}

  private DisplayResult measure(DisplayPathSystem system, LocalDisplay local, Duration warm, Duration phase,
      int open, RunLog log) throws IOException, InterruptedException {
    // This JVM's children are the cluster's processes (Java) and the Xvnc desktop's: count each apart.
    long self = ProcessHandle.current().pid();
    SystemCpu thisJvm = new SystemCpu(List.of(self), p -> p.pid() == self);
    SystemCpu desktop = new SystemCpu(List.of(self), p -> p.pid() != self && !isJava(p));
    SystemCpu broker = new SystemCpu(List.of(system.brokerPid()));
    List<Viewer> viewers = new ArrayList<>();
    List<DisplayResult.Connection> connections = new ArrayList<>();
    DisplayResult.Heap heap;
    try {
      viewers.add(new Viewer("direct", "the display's Unix socket",
          new RfbViewer(UnixViewerLink.open(local.socket())), local.password()));
      viewers.add(new Viewer("relay", "TLS straight to the agent's display relay, as a broker dials it; no broker",
          system.viewRelay(system.openSession(RELAY_USER)), null));
      viewers.add(new Viewer("path", "the broker's WebSocket, the broker, TLS to the agent's display relay",
          system.view(system.openSession(PATH_USER)), null));
      RfbViewer.Screen screen = null;
      for (Viewer v : viewers) {
        screen = v.rfb().handshake(v.password());
      }
      log.event("direct, relay and path: each viewer sees %dx%d '%s'", screen.width(), screen.height(), screen.name());
      // Before any display has closed, with the path's open: see BrokerHeapPerDisplay.
      heap = BrokerHeapPerDisplay.measure(system, FIRST_HEAP_USER, open, 1, log);
      for (Viewer v : viewers) {
        v.rfb().pull(warm.dividedBy(2));
        v.rfb().probe(warm.dividedBy(2));
      }
      log.event("warmed up for %s each", Durations.format(warm));

      List<RfbViewer.Pulled> pulled = new ArrayList<>();
      List<double[]> cpu = new ArrayList<>();
      for (Viewer v : viewers) {
        double[] before = {thisJvm.seconds(), desktop.seconds(), broker.seconds()};
        RfbViewer.Pulled p = v.rfb().pull(phase);
        pulled.add(p);
        cpu.add(new double[] {thisJvm.seconds() - before[0], desktop.seconds() - before[1],
            broker.seconds() - before[2]});
        log.event("%s: %s", v.name(), throughput(p));
      }
      for (int i = 0; i < viewers.size(); i++) {
        Viewer v = viewers.get(i);
        Histogram trips = v.rfb().probe(phase);
        log.event("%s: %s", v.name(), roundTrips(trips));
        connections.add(DisplayResult.Connection.of(v.name(), v.describe(), pulled.get(i), cpu.get(i)[0],
            cpu.get(i)[1], cpu.get(i)[2], trips));
      }
    } finally {
      viewers.forEach(v -> v.rfb().close());
    }
    return DisplayResult.of(connections, heap);
  }

  private static boolean isJava(ProcessHandle process) {
    return process.info().command().map(c -> c.endsWith("/java")).orElse(false);
  }

  private static String throughput(RfbViewer.Pulled pulled) {
    return String.format(Locale.ROOT, "%.1f MiB/s, %.1f frames/s (%d frames in %.1f s)",
        pulled.bytes() / DisplayResult.MIB / pulled.seconds(), pulled.frames() / pulled.seconds(), pulled.frames(),
        pulled.seconds());
  }

  private static String roundTrips(Histogram nanos) {
    DisplayResult.Latency ms = DisplayResult.Latency.of(nanos);
    return String.format(Locale.ROOT, "round trip p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (%d probes)", ms.p50(),
        ms.p90(), ms.p99(), nanos.getTotalCount());
  }

  private int[] screenSize() {
    Matcher m = SCREEN.matcher(screen.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("--screen must be WIDTHxHEIGHT, e.g. 1280x800; got '" + screen + "'");
    }
    int width = Integer.parseInt(m.group(1));
    int height = Integer.parseInt(m.group(2));
    if (width < RfbViewer.PROBE_SIDE || height < RfbViewer.PROBE_SIDE || width > MOST_PIXELS_A_SIDE
        || height > MOST_PIXELS_A_SIDE) {
      throw new IllegalArgumentException("--screen sides must be " + RfbViewer.PROBE_SIDE + ".." + MOST_PIXELS_A_SIDE
          + " pixels, got " + screen);
    }
    return new int[] {width, height};
  }

  private static void validate(Duration phase, Duration warm, int open) {
    if (phase.isNegative() || phase.isZero() || warm.isNegative()) {
      throw new IllegalArgumentException("--duration must be positive and --warmup 0 or more, got "
          + Durations.format(phase) + " and " + Durations.format(warm));
    }
    if (open < 1 || open > DisplaySettings.MAX_OPEN_DEFAULT) {
      throw new IllegalArgumentException("--displays must be 1.." + DisplaySettings.MAX_OPEN_DEFAULT
          + " (the most a broker opens by default), got " + open);
    }
  }

  /** The synthetic display on a socket in a directory of its own, which closing it removes. */
  private SyntheticDisplay synthetic(int[] size) throws IOException {
    return SyntheticDisplay.inDirectory(Files.createTempDirectory(Path.of("/tmp"), "shardbroker-display-"),
        VncAuth.newPassword(new SecureRandom()), size[0], size[1], seed);
  }

  private Map<String, Object> options(Duration phase, Duration warm, int open, int[] size, Source shown) {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("quick", quick);
    options.put("display", shown.name());
    options.put("durationSeconds", phase.toMillis() / 1000.0);
    options.put("warmupSeconds", warm.toMillis() / 1000.0);
    options.put("displays", open);
    options.put("screen", size[0] + "x" + size[1]);
    options.put("probe", RfbViewer.PROBE_SIDE + "x" + RfbViewer.PROBE_SIDE);
    options.put("seed", seed);
    return options;
  }

  private static void report(RunLog log, DisplayResult result, Path file) {
    log.line("");
    log.line(String.format(Locale.ROOT, "%-7s %9s %9s %9s %9s %9s %10s %10s %10s", "viewer", "MiB/s", "frames/s",
        "p50 ms", "p90 ms", "p99 ms", "jvm ms/f", "xvnc ms/f", "broker ms/f"));
    for (DisplayResult.Connection c : result.connections()) {
      log.line(String.format(Locale.ROOT, "%-7s %9.1f %9.1f %9.3f %9.3f %9.3f %10.2f %10.2f %10.2f", c.name(),
          c.mibPerSecond(), c.framesPerSecond(), c.roundTripMs().p50(), c.roundTripMs().p90(), c.roundTripMs().p99(),
          c.msPerFrame(c.cpuSecondsPerGib()), c.msPerFrame(c.desktopCpuSecondsPerGib()),
          c.msPerFrame(c.brokerCpuSecondsPerGib())));
    }
    log.line("(relay: TLS straight to the agent's relay, no broker; p50..p99: round trip of a 16x16 update request "
        + "to its first byte; CPU milliseconds per frame of: jvm, this JVM, which runs the agent, its relay and the "
        + "viewers (and the synthetic display); xvnc, the Xvnc desktop's processes; broker, the broker's process)");
    DisplayResult.Heap heap = result.heap();
    log.line(String.format(Locale.ROOT, "ratio path/direct %.2f (goal at least %.2f), relay/direct %.2f; added "
        + "latency of the path p50 %.3f ms, p99 %.3f ms", result.ratio(), RATIO_GOAL, result.relayRatio(),
        result.addedLatencyMs().p50(), result.addedLatencyMs().p99()));
    log.line(heap.measured()
        ? String.format(Locale.ROOT, "broker heap %.1f KiB per open display over %d displays (goal at most %.0f KiB); "
            + "direct buffers %s", heap.kibPerDisplay(), heap.displays(), KIB_PER_DISPLAY_GOAL,
            heap.directKibPerDisplay() < 0 ? "not measured"
                : String.format(Locale.ROOT, "%+.1f KiB per display", heap.directKibPerDisplay()))
        : "broker heap per display: not measured (no jcmd beside this JVM)");
    log.line("display: results in " + file.toAbsolutePath().normalize());
    log.line(lastLine(result));
  }

  static String lastLine(DisplayResult result) {
    return String.format(Locale.ROOT, "display: path %.1f MiB/s, direct %.1f MiB/s, ratio %.2f; added latency "
            + "p50 %.3f ms, p99 %.3f ms; broker heap %s KiB per display", result.path().mibPerSecond(),
        result.direct().mibPerSecond(), result.ratio(), result.addedLatencyMs().p50(), result.addedLatencyMs().p99(),
        result.heap().measured() ? String.format(Locale.ROOT, "%.1f", result.heap().kibPerDisplay()) : "-");
  }
}
