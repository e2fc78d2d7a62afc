package io.shardbroker.tools.bench;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.agent.host.vnc.VncHostSettings;
import io.shardbroker.agent.host.vnc.VncSessionHost;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.tools.run.WorkDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The display benchmark's real desktop: one session of the agent's own vnc host (a TigerVNC Xvnc
 * with its Unix socket and password), whose session command is a terminal over the whole screen
 * that scrolls random text without pause, so that every update has new pixels to encode, as a
 * busy desktop has. Its display is what {@link #local} gives; {@link #close} ends it.
 */
final class XvncDisplay implements AutoCloseable {

  /** The terminal's font is xterm's default, 6x13 pixels a character cell. */
  private static final int CELL_WIDTH = 6;
  private static final int CELL_HEIGHT = 13;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final String SESSION = "bench-xvnc";

  private final Path dir;
  private final VncSessionHost host;
  private final LocalDisplay local;

  private XvncDisplay(Path dir, VncSessionHost host, LocalDisplay local) {
    this.dir = dir;
    this.host = host;
    this.local = local;
  }

  /**
   * Starts the desktop, {@code width} by {@code height} pixels, 24 bits deep.
   *
   * @throws IllegalStateException when Xvnc is not installed, or the desktop does not start
   */
  static XvncDisplay start(int width, int height) throws IOException {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "shardbroker-bench-xvnc-");
    String terminal = String.format("xterm -geometry %dx%d+0+0 -e sh -c "
        + "'while :; do head -c 2048 /dev/urandom | base64 -w %d; sleep 0.05; done'", width / CELL_WIDTH, height / CELL_HEIGHT,
        width / CELL_WIDTH - 2);
    VncHostSettings settings = new VncHostSettings(VncHostSettings.XVNC_DEFAULT, List.of("/bin/sh", "-c", terminal),
        width + "x" + height, 24, dir.resolve("vnc"), START_TIMEOUT, true);
    VncSessionHost host = new VncSessionHost(settings, () -> Connection.getDefaultInstance(), Clock.systemUTC(),
        new SecureRandom());
    try {
      host.start(new SessionSpec(SESSION, "bench", DisplayPathSystem.POOL, DisplayPathSystem.VM, null))
          .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      LocalDisplay local = host.display(SESSION)
          .orElseThrow(() -> new IllegalStateException("the benchmark's Xvnc desktop ended as it started"));
      return new XvncDisplay(dir, host, local);
    } catch (ExecutionException | TimeoutException e) {
      new XvncDisplay(dir, host, null).close();
      throw new IllegalStateException("the benchmark's Xvnc desktop did not start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      new XvncDisplay(dir, host, null).close();
      throw new IOException("interrupted while the benchmark's Xvnc desktop started", e);
    }
  }

  LocalDisplay local() {
    return local;
  }

  @Override
  public void close() throws IOException {
    host.close();  // ends the session: endSessionsOnClose
    WorkDir.delete(dir);
  }
}
