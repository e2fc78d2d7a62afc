package io.shardbroker.agent.host.vnc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHostException;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.testing.InstalledTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The vnc host against a real Xvnc: real X servers, real processes killed, a real restart. */
@Timeout(90)
class VncSessionHostTest {

  private static final Connection RELAY =
      Connection.newBuilder().setProtocol("vnc").setHost("vm-1.example").setPort(5901).build();
  private static final Duration SOON = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final List<VncSessionHost> hosts = new ArrayList<>();
  private final List<String> ended = new CopyOnWriteArrayList<>();

  @BeforeEach
  void requireXvnc() {
    InstalledTools.requireXvnc();
  }

  @AfterEach
  void endEverything() {
    for (VncSessionHost host : hosts) {
      host.running().join().forEach(s -> host.end(s.sessionId()).join());
      host.close();
    }
  }

  @Test
  void aSessionIsARealDesktopThatOnlyItsSecretOpens() throws Exception {
    VncSessionHost host = host(settings(dir));
    Connection connection = host.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);

    assertThat(connection).isEqualTo(RELAY);
    LocalDisplay display = host.display("s-1").orElseThrow();
    assertThat(RfbProbe.serverInit(display, display.password()))
        .extracting(RfbProbe.ServerInit::width, RfbProbe.ServerInit::height).containsExactly(800, 600);
    assertThatThrownBy(() -> RfbProbe.serverInit(display, "guessed!".getBytes()))
        .hasMessageContaining("refused");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(display.socket())))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(display.socket().getParent())))
        .isEqualTo("rwx------");
    assertThat(Files.readString(dir.resolve("vnc").resolve("sessions.json")))
        .contains("s-1").doesNotContain(new String(display.password()));
    assertThat(host.running().join()).extracting(HostedSession::sessionId, HostedSession::user)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s-1", "bob"));
    assertThat(host.display("s-2")).isEmpty();
  }

  @Test
  void aLogoffInsideTheDesktopEndsTheSessionAndSaysSo() throws Exception {
    VncSessionHost host = host(settings(dir));
    host.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    VncSessionRecord session = host.record("s-1").orElseThrow();

    ProcessHandle.of(session.command().pid()).orElseThrow().destroy();  // the user typed exit

    await().atMost(SOON).until(() -> ended.contains("s-1"));
    assertGone(session);
    assertThat(host.display("s-1")).isEmpty();
    assertThat(host.running().join()).isEmpty();
  }

  @Test
  void anXServerThatDiesEndsTheSession() throws Exception {
    VncSessionHost host = host(settings(dir));
    host.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    VncSessionRecord session = host.record("s-1").orElseThrow();

    ProcessHandle.of(session.xvnc().pid()).orElseThrow().destroyForcibly();

    await().atMost(SOON).until(() -> ended.contains("s-1"));
    assertGone(session);
  }

  @Test
  void endingASessionEndsWhatItLeftRunningInTheBackground() throws Exception {
    VncSessionHost host = host(settings(dir).withSessionCommand(
        List.of("/bin/sh", "-c", "(sleep 300 &) ; exec sleep 301")));
    host.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    VncSessionRecord session = host.record("s-1").orElseThrow();
    await().atMost(SOON).until(() -> ProcessSessions.members(Set.of(session.command().pid())).size() == 2);

    host.end("s-1").get(30, TimeUnit.SECONDS);

    assertGone(session);
    assertThat(ended).isEmpty();  // the agent asked: it is not told again
  }

  @Test
  void aRestartedAgentFindsItsSessionsAgainAndStillSeesLogoffs() throws Exception {
    VncSessionHost before = new VncSessionHost(settings(dir).withEndSessionsOnClose(false), () -> RELAY,
        Clock.systemUTC(), new SecureRandom());
    before.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    VncSessionRecord session = before.record("s-1").orElseThrow();
    before.close();  // as the agent stopping: the desktop goes on

    VncSessionHost after = host(settings(dir));
    assertThat(after.running().join()).singleElement()
        .satisfies(s -> assertThat(s.sessionId()).isEqualTo("s-1"))
        .satisfies(s -> assertThat(s.user()).isEqualTo("bob"))
        .satisfies(s -> assertThat(s.connection()).isEqualTo(RELAY));
    LocalDisplay display = after.display("s-1").orElseThrow();
    assertThat(RfbProbe.serverInit(display, display.password()).width()).isEqualTo(800);

    ProcessHandle.of(session.command().pid()).orElseThrow().destroy();  // no longer the agent's child
    await().atMost(SOON).until(() -> ended.contains("s-1"));
    assertGone(session);
  }

  @Test
  void aDirectoryTooDeepForSocketsKeepsTheSessionsUnderTmpAndARestartFindsThemThere() throws Exception {
    Path deep = dir.resolve("a-data-directory-deep-enough".repeat(3)).resolve("that-no-socket-path-fits-in-it");
    Path sessions = VncSessionHost.sessionsRoot(deep.resolve("vnc"));
    assertThat(sessions.getParent()).isEqualTo(Path.of("/tmp"));
    assertThat(VncSessionHost.sessionsRoot(deep.resolve("vnc"))).as("the same for a restarted agent").isEqualTo(sessions);
    VncSessionHost before = new VncSessionHost(settings(deep).withEndSessionsOnClose(false), () -> RELAY,
        Clock.systemUTC(), new SecureRandom());
    before.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    assertThat(before.display("s-1").orElseThrow().socket()).startsWith(sessions);
    before.close();

    try (VncSessionHost after = new VncSessionHost(settings(deep), () -> RELAY, Clock.systemUTC(), new SecureRandom())) {
      LocalDisplay display = after.display("s-1").orElseThrow();
      assertThat(RfbProbe.serverInit(display, display.password()).width()).isEqualTo(800);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sessions))).isEqualTo("rwx--x--x");
    }  // ends its sessions
    assertThat(sessions).as("removed once its last session ended").doesNotExist();
  }

  @Test
  void aSessionsDirectoryUnderTmpThatIsNotTheAgentsOwnIsRefused() throws Exception {
    Path deep = dir.resolve("a-data-directory-deep-enough".repeat(3)).resolve("that-no-socket-path-fits-in-it");
    Path sessions = VncSessionHost.sessionsRoot(deep.resolve("vnc"));
    Files.createSymbolicLink(sessions, Files.createDirectories(dir.resolve("planted")));  // made first by another
    try {
      assertThatThrownBy(() -> host(settings(deep)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(sessions + " belongs to another account");
    } finally {
      Files.delete(sessions);
    }
  }

  @Test
  void sessionsThatEndedWhileTheAgentWasAwayAreClearedAway() throws Exception {
    VncSessionHost before = new VncSessionHost(settings(dir).withEndSessionsOnClose(false), () -> RELAY,
        Clock.systemUTC(), new SecureRandom());
    before.start(spec("s-1", "bob")).get(30, TimeUnit.SECONDS);
    VncSessionRecord session = before.record("s-1").orElseThrow();
    before.close();
    ProcessHandle.of(session.command().pid()).orElseThrow().destroy();
    await().atMost(SOON).until(() -> session.command().live().isEmpty());

    VncSessionHost after = host(settings(dir));

    assertThat(after.running().join()).isEmpty();
    assertGone(session);
  }

  @Test
  void aDesktopThatCannotStartLeavesNothingBehind() throws Exception {
    VncSessionHost host = host(new VncHostSettings("/bin/false", VncHostSettings.SESSION_COMMAND_DEFAULT,
        "800x600", 24, dir.resolve("vnc"), Duration.ofSeconds(10), true));

    assertThatThrownBy(() -> host.start(spec("s-1", "bob")).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(SessionHostException.class)
        .hasMessageContaining("Xvnc did not start");
    try (var left = Files.list(dir.resolve("vnc"))) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("sessions.json");
    }
    assertThat(host.running().join()).isEmpty();
  }

  @Test
  void aMissingXvncIsNamedWithItsPackage() {
    assertThatThrownBy(() -> new VncSessionHost(new VncHostSettings("/nonexistent/Xvnc",
        VncHostSettings.SESSION_COMMAND_DEFAULT, "800x600", 24, dir, Duration.ofSeconds(10), true),
        () -> RELAY, Clock.systemUTC(), new SecureRandom()))
        .hasMessageContaining("apt-get install tigervnc-standalone-server");
  }

  @Test
  void whereTheAgentIsRootTheDesktopRunsAsTheUsersOwnAccount() throws Exception {
    assumeTrue(DesktopAccount.agentsOwn().uid() == 0, "only root may run a desktop as another account");
    // The session's account passes through the parents of its session's directory.
    Path shared = Files.createTempDirectory(Path.of("/tmp"), "sb-vnc-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
    // nobody's login shell refuses logins: the terminal runs a plain shell instead.
    VncSessionHost host = new VncSessionHost(settings(shared).withSessionCommand(List.of("xterm", "-e", "/bin/sh")),
        () -> RELAY, Clock.systemUTC(), new SecureRandom());
    try {
      host.start(spec("s-1", "nobody")).get(30, TimeUnit.SECONDS);
      VncSessionRecord session = host.record("s-1").orElseThrow();

      // The command may still be on its way through setsid and setpriv.
      await().atMost(SOON).untilAsserted(() -> {
        assertThat(uidOf(session.xvnc().pid())).isEqualTo("65534");
        assertThat(uidOf(session.command().pid())).isEqualTo("65534");
      });
      LocalDisplay display = host.display("s-1").orElseThrow();
      assertThat(RfbProbe.serverInit(display, display.password()).height()).isEqualTo(600);
    } finally {
      host.close();  // ends the session
      try (var all = Files.walk(shared)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String uidOf(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
  }

  private static void assertGone(VncSessionRecord session) {
    await().atMost(SOON).untilAsserted(() -> {
      assertThat(session.xvnc().live()).isEmpty();
      assertThat(session.command().live()).isEmpty();
      assertThat(ProcessSessions.members(Set.of(session.xvnc().pid(), session.command().pid()))).isEmpty();
      assertThat(session.directory()).doesNotExist();
    });
  }

  private VncSessionHost host(VncHostSettings settings) {
    VncSessionHost host = new VncSessionHost(settings, () -> RELAY, Clock.systemUTC(), new SecureRandom());
    host.onSessionEnded(ended::add);
    hosts.add(host);
    return host;
  }

  private static VncHostSettings settings(Path dir) {
    return new VncHostSettings("Xvnc", List.of("xterm"), "800x600", 24, dir.resolve("vnc"), Duration.ofSeconds(15),
        true);
  }

  private static SessionSpec spec(String id, String user) {
    return new SessionSpec(id, user, "linux", "vm-1");
  }
}
