package io.shardbroker.agent.host.vnc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the vnc host runs desktops.
 *
 * @param xvnc the X server to run: TigerVNC's {@code Xvnc} (Debian: tigervnc-standalone-server)
 * @param sessionCommand what runs in each desktop; the session ends when it exits (the user logs off)
 * @param geometry the desktop's size, {@code WIDTHxHEIGHT}
 * @param depth bits per pixel of the framebuffer: 16, 24 or 32
 * @param directory where the host keeps its state file and each session's directory
 * @param startTimeout how long Xvnc may take to come up
 * @param endSessionsOnClose end every session when the agent stops (the demo); normally sessions
 *     outlive the agent and a restarted agent finds them again
 */
public record VncHostSettings(
    String xvnc,
    List<String> sessionCommand,
    String geometry,
    int depth,
    Path directory,
    Duration startTimeout,
    boolean endSessionsOnClose) {

  public static final String XVNC_DEFAULT = "Xvnc";
  /** A terminal in a small window manager (xterm, twm: a few MB on Debian); exit in it logs off. */
  public static final List<String> SESSION_COMMAND_DEFAULT =
      List.of("/bin/sh", "-c", "twm >/dev/null 2>&1 & exec xterm -geometry 100x30+20+20");
  public static final String GEOMETRY_DEFAULT = "1280x800";
  public static final int DEPTH_DEFAULT = 24;
  public static final Duration START_TIMEOUT_DEFAULT = Duration.ofSeconds(15);
  /** The Debian packages the defaults need: the X server, its fonts (twm's title font is in 75dpi), xterm, twm. */
  public static final String PACKAGES = "tigervnc-standalone-server xfonts-base xfonts-75dpi xterm twm";

  public VncHostSettings {
    if (xvnc == null || xvnc.isBlank()) {
      throw new IllegalArgumentException("vnc host: the X server (xvnc) must be named");
    }
    if (sessionCommand == null || sessionCommand.isEmpty()) {
      throw new IllegalArgumentException("vnc host: the session command must not be empty");
    }
    if (geometry == null || !geometry.matches("[1-9][0-9]{2,4}x[1-9][0-9]{2,4}")) {
      throw new IllegalArgumentException("vnc host: geometry must be WIDTHxHEIGHT, like 1280x800, got " + geometry);
    }
    if (depth != 16 && depth != 24 && depth != 32) {
      throw new IllegalArgumentException("vnc host: depth must be 16, 24 or 32, got " + depth);
    }
    if (directory == null) {
      throw new IllegalArgumentException("vnc host: a directory for its state must be given");
    }
    if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("vnc host: start timeout must be positive, got " + startTimeout);
    }
    sessionCommand = List.copyOf(sessionCommand);
    directory = directory.toAbsolutePath().normalize();
  }

  /** The defaults, keeping state in {@code directory}. */
  public static VncHostSettings defaults(Path directory) {
    return new VncHostSettings(XVNC_DEFAULT, SESSION_COMMAND_DEFAULT, GEOMETRY_DEFAULT, DEPTH_DEFAULT, directory,
        START_TIMEOUT_DEFAULT, false);
  }

  /** These settings with another session command. */
  public VncHostSettings withSessionCommand(List<String> command) {
    return new VncHostSettings(xvnc, command, geometry, depth, directory, startTimeout, endSessionsOnClose);
  }

  /** These settings, ending every session when the host closes or not. */
  public VncHostSettings withEndSessionsOnClose(boolean end) {
    return new VncHostSettings(xvnc, sessionCommand, geometry, depth, directory, startTimeout, end);
  }
}
