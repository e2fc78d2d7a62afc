package io.shardbroker.agent.display;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.agent.TicketBook;
import io.shardbroker.agent.display.RelayClient.ServerInit;
import io.shardbroker.testing.InstalledTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The display relay in front of a real TigerVNC {@code Xvnc}, as the agent will run it: a Unix
 * socket only, VNC authentication with a per-session password. Skipped where Xvnc is not
 * installed, unless {@code SHARDBROKER_CI} is set: CI must run it.
 */
@Timeout(60)
class DisplayRelayXvncTest {

  private static final Path XVNC = InstalledTools.XVNC;

  @TempDir Path dir;
  private Process xvnc;
  private DisplayRelay relay;

  @BeforeEach
  void xvncIsInstalled() {
    InstalledTools.require(XVNC, "tigervnc-standalone-server");
  }

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    if (xvnc != null) {
      xvnc.destroy();
      if (!xvnc.waitFor(10, TimeUnit.SECONDS)) {
        xvnc.destroyForcibly();
      }
    }
  }

  @Test
  void aViewerGetsARealDisplaysServerInitAndFramebuffer() throws Exception {
    byte[] password = VncAuth.newPassword(new SecureRandom());
    Path socket = dir.resolve("rfb.sock");
    Path log = dir.resolve("xvnc.log");
    startXvnc(socket, password, log);

    TicketBook tickets = new TicketBook(Clock.systemUTC());
    relay = DisplayRelay.withoutTls(new DisplayRelay.Settings(InetAddress.getLoopbackAddress(), 0), tickets::redeem,
        id -> id.equals("s-1") ? Optional.of(new LocalDisplay(socket, password)) : Optional.empty(),
        DisplayActivity.NONE);
    relay.start();

    try (RelayClient viewer = RelayClient.dial(relay.port(), null)) {
      String ticket = tickets.issue("s-1", "bob").value();
      assertThat(viewer.request(ticket, "bob", "s-1").toString()).as(() -> xvncLog(log)).isEqualTo("{\"ok\":true}");
      viewer.handshake("003.008");
      ServerInit init = viewer.init(true);
      assertThat(init.width()).isEqualTo(640);
      assertThat(init.height()).isEqualTo(480);

      // FramebufferUpdateRequest for the whole screen, not incremental
      viewer.send((byte) 3, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 2, (byte) 0x80, (byte) 1,
          (byte) 0xE0);
      assertThat(viewer.in().readUnsignedByte()).as("FramebufferUpdate").isZero();
      viewer.read(1);  // padding
      assertThat(viewer.in().readUnsignedShort()).as("rectangles").isPositive();
      int x = viewer.in().readUnsignedShort();
      int y = viewer.in().readUnsignedShort();
      int width = viewer.in().readUnsignedShort();
      int height = viewer.in().readUnsignedShort();
      assertThat(x + width).isLessThanOrEqualTo(640);
      assertThat(y + height).isLessThanOrEqualTo(480);
      assertThat(viewer.in().readInt()).as("encoding: raw, as no other was asked for").isZero();
    }
  }

  /** Starts Xvnc and waits until it tells its display number, which it does once it serves. */
  private void startXvnc(Path socket, byte[] password, Path log) throws Exception {
    Path passwordFile = dir.resolve("passwd");
    Files.write(passwordFile, VncAuth.passwordFile(password));
    Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    xvnc = new ProcessBuilder(XVNC.toString(),
        "-rfbunixpath", socket.toString(), "-rfbport", "-1",
        "-SecurityTypes", "VncAuth", "-PasswordFile", passwordFile.toString(),
        "-geometry", "640x480", "-depth", "24",
        "-displayfd", "1", "-nolisten", "tcp")
        .redirectError(log.toFile())
        .start();
    xvnc.getOutputStream().close();
    BufferedReader out = new BufferedReader(new InputStreamReader(xvnc.getInputStream(), StandardCharsets.US_ASCII));
    String display;
    try {
      display = CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("Xvnc did not start within 30 s: " + xvncLog(log), e);
    }
    assertThat(display).as(() -> "Xvnc's display number; its log: " + xvncLog(log)).matches("\\d+");
  }

  private static String xvncLog(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
