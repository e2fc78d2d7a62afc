package io.shardbroker.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tests of real outside programs (Xvnc, browsers) run where the program is installed. Elsewhere
 * they are skipped with the command that installs it, except in CI ({@code SHARDBROKER_CI} set,
 * by {@code .ci/run}, which installs them): there a missing program fails the test.
 */
public final class InstalledTools {

  private InstalledTools() {}

  /** Skips the test (fails it in CI) unless {@code program} is installed, from Debian's {@code packages}. */
  public static void require(Path program, String packages) {
    boolean installed = Files.isExecutable(program);
    if (!installed && System.getenv("SHARDBROKER_CI") != null) {
      fail("CI must have " + program + ": .ci/run installs " + packages);
    }
    assumeTrue(installed, "skipped: " + program + " is not installed here (sudo apt-get install " + packages + ")");
  }

  /** Xvnc with the default session command's programs. */
  public static final Path XVNC = Path.of("/usr/bin/Xvnc");
  public static final String XVNC_PACKAGES = "tigervnc-standalone-server xfonts-base xfonts-75dpi xterm twm";

  /** Skips the test (fails it in CI) unless Xvnc, its fonts, xterm and twm are installed. */
  public static void requireXvnc() {
    require(XVNC, XVNC_PACKAGES);
    require(Path.of("/usr/bin/xterm"), XVNC_PACKAGES);
    require(Path.of("/usr/bin/twm"), XVNC_PACKAGES);
    // without fonts twm exits at once and xterm may draw nothing
    boolean fonts = Files.isDirectory(Path.of("/usr/share/fonts/X11/misc"))
        && Files.isDirectory(Path.of("/usr/share/fonts/X11/75dpi"));
    if (!fonts && System.getenv("SHARDBROKER_CI") != null) {
      fail("CI must have the X fonts: .ci/run installs xfonts-base and xfonts-75dpi");
    }
    assumeTrue(fonts, "skipped: the X fonts are not installed here (sudo apt-get install " + XVNC_PACKAGES + ")");
  }
}
