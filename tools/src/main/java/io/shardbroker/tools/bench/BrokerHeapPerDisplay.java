package io.shardbroker.tools.bench;

import io.shardbroker.tools.run.RunLog;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What each open display costs the broker in heap: {@code displays} users sign in and get their
 * sessions (the baseline is taken then, so that tokens and sessions are not counted), then each
 * opens its display through the gateway and goes through the RFB handshake, so that every
 * display is relayed end to end, and all stay open and idle while the broker's live heap is
 * taken again. The difference over the displays is the figure.
 *
 * <p>Run it while one display is open already: the first display brings the gateway's code and
 * caches to life (and takes the first of the shared burst buffers), which is no display's own
 * cost.
 *
 * <p>The live heap is what {@link HeapProbe} reads from outside the broker's process after a full
 * collection: everything a display holds on the heap (Jetty's WebSocket session and upgrade
 * request, the bridge and its small buffer, the virtual thread's stack, the TLS socket to the relay), the
 * JVM's own objects alike at both points. The broker's direct buffers are not on the heap; their
 * growth per display comes from its {@code /metrics}.
 */
final class BrokerHeapPerDisplay {

  /** How long the broker may take to count every display open once their handshakes are done. */
  private static final Duration SETTLE = Duration.ofSeconds(10);

  private BrokerHeapPerDisplay() {}

  /**
   * Uses users {@code firstUser} to {@code firstUser + displays - 1}, who have no session yet, and
   * closes their displays before it returns.
   *
   * @param openBefore displays open through the broker already, which stay open throughout
   */
  static DisplayResult.Heap measure(DisplayPathSystem system, int firstUser, int displays, int openBefore,
      RunLog log) throws IOException, InterruptedException {
    List<DisplayPathSystem.Session> sessions = new ArrayList<>();
    for (int i = 0; i < displays; i++) {
      sessions.add(system.openSession(firstUser + i));
    }
    long baseline = system.brokerLiveHeap();
    double directBefore = system.brokerMeters().directBufferBytes();
    log.event("heap: %d more users signed in, each with a session; broker live heap %s", displays, mib(baseline));

    List<RfbViewer> viewers = new ArrayList<>();
    try {
      for (DisplayPathSystem.Session session : sessions) {
        RfbViewer viewer = system.view(session);
        viewers.add(viewer);
        viewer.handshake(null);
      }
      BrokerMeters meters = system.awaitDisplaysOpen(openBefore + displays, SETTLE).orElseThrow(() ->
          new IllegalStateException("the broker did not count " + (openBefore + displays) + " displays open within "
              + SETTLE.toSeconds() + " s"));
      double directOpen = meters.directBufferBytes();
      long open = system.brokerLiveHeap();
      log.event("heap: their %d displays open and idle; broker live heap %s", displays, mib(open));
      boolean measured = baseline >= 0 && open >= 0;
      boolean directMeasured = directBefore >= 0 && directOpen >= 0;
      return new DisplayResult.Heap(displays, baseline, open,
          measured ? (open - baseline) / 1024.0 / displays : -1,
          directMeasured ? (directOpen - directBefore) / 1024.0 / displays : -1);
    } finally {
      viewers.forEach(RfbViewer::close);
    }
  }

  static String mib(long bytes) {
    return bytes < 0 ? "not measured (no jcmd beside this JVM)"
        : String.format(Locale.ROOT, "%.1f MiB", bytes / DisplayResult.MIB);
  }
}
