package io.shardbroker.agent.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.shardbroker.protocol.v1.Connection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real scripts in a temporary directory; real processes and real time, kept short. */
@Timeout(60)
class ExecSessionHostTest {

  private static final SessionSpec SPEC = new SessionSpec("sess-1", "alice", "desktops", "vm-7");
  private static final String OK_END = "echo ended\n";

  @TempDir Path dir;
  private final List<ExecSessionHost> hosts = new ArrayList<>();
  /** Processes a test left behind on purpose, killed afterwards. */
  private final List<Long> strays = new ArrayList<>();

  @AfterEach
  void tearDown() {
    hosts.forEach(ExecSessionHost::close);
    strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private Path script(String name, String body) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private ExecSessionHost host(String startBody, String endBody, Duration timeout) throws IOException {
    Path start = script("start.sh", startBody);
    Path end = script("end.sh", endBody);
    ExecSessionHost host = new ExecSessionHost(new ExecSessionHost.Settings(
        List.of(start.toString()), List.of(end.toString()), timeout, "rdp", dir));
    hosts.add(host);
    return host;
  }

  private ExecSessionHost host(String startBody) throws IOException {
    return host(startBody, OK_END, Duration.ofSeconds(5));
  }

  private static <T> T result(CompletableFuture<T> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  /** The message of the SessionHostException the future failed with. */
  private static String failure(CompletableFuture<?> f) {
    Throwable t = catchThrowable(() -> f.get(5, TimeUnit.SECONDS));
    assertThat(t).isInstanceOf(ExecutionException.class);
    assertThat(t.getCause()).isInstanceOf(SessionHostException.class);
    return t.getCause().getMessage();
  }

  private long pid(String file) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve(file)).strip());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  // ---- start ----------------------------------------------------------------------------------

  @Test
  void startParsesTheConnectionAndPassesTheSessionEnvironment() throws Exception {
    ExecSessionHost host = host("""
        echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $SHARDBROKER_POOL $SHARDBROKER_VM_ID" > start.env
        echo '{"host": "10.0.0.5", "port": 3390, "protocol": "vnc"}'
        """);

    Connection connection = result(host.start(SPEC));

    assertThat(connection).isEqualTo(Connection.newBuilder()
        .setHost("10.0.0.5").setPort(3390).setProtocol("vnc").build());
    // Relative path: the script ran in the configured working directory.
    assertThat(Files.readString(dir.resolve("start.env")).strip())
        .isEqualTo("sess-1 alice desktops vm-7");
  }

  @Test
  void protocolDefaultsToTheConfiguredOne() throws Exception {
    ExecSessionHost host = host("echo '{\"host\": \"desk-7\", \"port\": 3389}'\n");

    assertThat(result(host.start(SPEC)).getProtocol()).isEqualTo("rdp");
  }

  @Test
  void nonZeroExitFailsWithTheExitCodeAndTheLastStderrLine() throws Exception {
    ExecSessionHost host = host("""
        echo '{"host": "h", "port": 1}'
        echo "checking displays" >&2
        echo "no free display" >&2
        exit 3
        """);

    assertThat(failure(host.start(SPEC))).isEqualTo("start script exited with 3: no free display");
  }

  @Test
  void nonZeroExitWithoutStderrNamesTheExitCode() throws Exception {
    ExecSessionHost host = host("exit 7\n");

    assertThat(failure(host.start(SPEC))).isEqualTo("start script exited with 7");
  }

  @Test
  void outputThatIsNotAJsonObjectFailsTheStart() throws Exception {
    assertThat(failure(host("echo 'display :3 ready'\n").start(SPEC)))
        .isEqualTo("start script printed no JSON object: display :3 ready");
    assertThat(failure(host("echo '[\"h\", 1]'\n").start(SPEC)))
        .startsWith("start script printed no JSON object");
    assertThat(failure(host("true\n").start(SPEC)))
        .startsWith("start script printed no JSON object");
  }

  @Test
  void jsonWithoutAHostFailsTheStart() throws Exception {
    assertThat(failure(host("echo '{\"port\": 3389}'\n").start(SPEC)))
        .isEqualTo("start script's JSON has no \"host\"");
    assertThat(failure(host("echo '{\"host\": \" \", \"port\": 3389}'\n").start(SPEC)))
        .isEqualTo("start script's JSON has no \"host\"");
  }

  @Test
  void jsonWithABadPortFailsTheStartNamingIt() throws Exception {
    assertThat(failure(host("echo '{\"host\": \"h\"}'\n").start(SPEC)))
        .startsWith("start script's JSON has no valid \"port\" (1..65535)");
    assertThat(failure(host("echo '{\"host\": \"h\", \"port\": 70000}'\n").start(SPEC)))
        .isEqualTo("start script's JSON has no valid \"port\" (1..65535): 70000");
    assertThat(failure(host("echo '{\"host\": \"h\", \"port\": 0}'\n").start(SPEC)))
        .isEqualTo("start script's JSON has no valid \"port\" (1..65535): 0");
    assertThat(failure(host("echo '{\"host\": \"h\", \"port\": \"rdp\"}'\n").start(SPEC)))
        .isEqualTo("start script's JSON has no valid \"port\" (1..65535): \"rdp\"");
  }

  @Test
  void theTicketScriptIsToldEachTicketBeforeTheUserGetsIt() throws Exception {
    Path ticket = script("ticket.sh", """
        echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $SHARDBROKER_TICKET $SHARDBROKER_TICKET_EXPIRES_AT" >> tickets
        """);
    ExecSessionHost host = new ExecSessionHost(new ExecSessionHost.Settings(List.of("true"), List.of("true"),
        Duration.ofSeconds(5), "rdp", dir, List.of(ticket.toString())));
    hosts.add(host);

    result(host.ticketIssued(SPEC, "sct-abc", Instant.parse("2026-11-26T10:00:00Z")));

    assertThat(Files.readString(dir.resolve("tickets")).strip())
        .isEqualTo(SPEC.sessionId() + " " + SPEC.user() + " sct-abc 2026-11-26T10:00:00Z");
  }

  @Test
  void missingStartCommandFailsTheStartSayingSo() {
    ExecSessionHost host = new ExecSessionHost(new ExecSessionHost.Settings(
        List.of(dir.resolve("no-such-script").toString()), List.of("true"), Duration.ofSeconds(5),
        "rdp", dir));
    hosts.add(host);

    assertThat(failure(host.start(SPEC))).startsWith("start script could not run");
  }

  @Test
  void scriptThatRunsPastTheTimeoutIsKilledWithItsChildren() throws Exception {
    ExecSessionHost host = host("""
        echo $$ > shell.pid
        sleep 10 &
        echo $! > child.pid
        wait
        """, OK_END, Duration.ofMillis(500));
    long began = System.nanoTime();

    String message = failure(host.start(SPEC));

    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
    assertThat(message).isEqualTo("start script did not finish within PT0.5S");
    long shell = pid("shell.pid");
    long child = pid("child.pid");
    strays.add(child);
    await().atMost(Duration.ofSeconds(5)).until(() -> !alive(shell) && !alive(child));
  }

  @Test
  void backgroundProcessHoldingTheOutputOpenCannotHoldTheStartPastTheTimeout() throws Exception {
    // A script that starts a daemon without redirecting its output exits, but its stdout stays
    // open for as long as the daemon runs. The start must still end within the timeout. (The
    // pause lets the agent's reader block on the pipe first; without it the JDK may drain and
    // close the pipe at exit, and the start succeeds by luck.)
    ExecSessionHost host = host("""
        echo '{"host": "h", "port": 3389}'
        sleep 10 &
        echo $! > child.pid
        sleep 0.3
        """, OK_END, Duration.ofSeconds(1));
    long began = System.nanoTime();

    String message = failure(host.start(SPEC));

    strays.add(pid("child.pid"));
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(5));
    assertThat(message).startsWith("start script did not finish within PT1S")
        .contains("holds its output open");
  }

  // ---- end ------------------------------------------------------------------------------------

  @Test
  void endRunsTheEndScriptWithTheSessionEnvironment() throws Exception {
    ExecSessionHost host = host("echo '{\"host\": \"h\", \"port\": 3389}'\n", """
        echo "$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $SHARDBROKER_POOL $SHARDBROKER_VM_ID" > end.env
        """, Duration.ofSeconds(5));
    result(host.start(SPEC));

    result(host.end("sess-1"));

    assertThat(Files.readString(dir.resolve("end.env")).strip()).isEqualTo("sess-1 alice desktops vm-7");
  }

  @Test
  void endOfASessionThatNeverStartedRunsNoScript() throws Exception {
    ExecSessionHost host = host("exit 1\n", "touch end.ran\n", Duration.ofSeconds(5));
    failure(host.start(SPEC));

    result(host.end("sess-1"));
    result(host.end("unknown"));

    assertThat(dir.resolve("end.ran")).doesNotExist();
  }

  @Test
  void failingEndScriptStillEndsTheSession() throws Exception {
    // The VM knows better than the script: the session counts as ended, and is ended only once.
    ExecSessionHost host = host("echo '{\"host\": \"h\", \"port\": 3389}'\n",
        "echo run >> end.runs\necho 'logoff failed' >&2\nexit 2\n", Duration.ofSeconds(5));
    result(host.start(SPEC));

    result(host.end("sess-1"));
    result(host.end("sess-1"));

    assertThat(Files.readAllLines(dir.resolve("end.runs"))).containsExactly("run");
  }

  // ---- list -----------------------------------------------------------------------------------

  private ExecSessionHost listingHost(String listBody, String endBody) throws IOException {
    Path start = script("start.sh", "echo '{\"host\": \"h\", \"port\": 3389}'\n");
    Path end = script("end.sh", endBody);
    Path list = script("list.sh", listBody);
    ExecSessionHost host = new ExecSessionHost(new ExecSessionHost.Settings(
        List.of(start.toString()), List.of(end.toString()), Duration.ofSeconds(5), "rdp", dir)
        .withList(List.of(list.toString()), Duration.ofSeconds(3)));
    hosts.add(host);
    return host;
  }

  @Test
  void theListScriptSaysWhichSessionsRun() throws Exception {
    ExecSessionHost host = listingHost("""
        echo '[{"sessionId": "s-1", "user": "alice", "pool": "desktops", "host": "vm-7.example", "port": 5901,'
        echo '  "protocol": "vnc", "startedAt": "2026-12-01T08:00:00Z"},'
        echo ' {"sessionId": "s-2", "user": "bob", "pool": "desktops", "host": "vm-7.example", "port": 3389}]'
        """, OK_END);

    List<HostedSession> running = result(host.running());

    assertThat(running).containsExactly(
        new HostedSession("s-1", "alice", "desktops",
            Connection.newBuilder().setHost("vm-7.example").setPort(5901).setProtocol("vnc").build(),
            Instant.parse("2026-12-01T08:00:00Z")),
        new HostedSession("s-2", "bob", "desktops",
            Connection.newBuilder().setHost("vm-7.example").setPort(3389).setProtocol("rdp").build(), null));
    assertThat(host.listInterval()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aSessionOnlyTheListKnowsIsEndedWithTheEndScript() throws Exception {
    // Started before the agent restarted: the end script still gets the session's names.
    ExecSessionHost host = listingHost(
        "echo '[{\"sessionId\": \"s-9\", \"user\": \"carol\", \"pool\": \"desktops\", \"host\": \"h\", \"port\": 1}]'\n",
        "echo \"$SHARDBROKER_SESSION_ID $SHARDBROKER_USER $SHARDBROKER_POOL\" > end.env\n");
    result(host.running());

    result(host.end("s-9"));

    assertThat(Files.readString(dir.resolve("end.env")).strip()).isEqualTo("s-9 carol desktops");
  }

  @Test
  void aListThatIsNoJsonArrayOrLacksNamesFailsSayingWhy() throws Exception {
    assertThat(failure(listingHost("echo 'no sessions here'\n", OK_END).running()))
        .contains("list script printed no JSON array", "no sessions here");
    assertThat(failure(listingHost("echo '[{\"sessionId\": \"s-1\", \"host\": \"h\", \"port\": 1}]'\n", OK_END)
        .running()))
        .contains("needs \"sessionId\", \"user\" and \"pool\"");
    assertThat(failure(listingHost("echo '[{\"sessionId\": \"s-1\", \"user\": \"a\", \"pool\": \"p\", "
        + "\"host\": \"h\", \"port\": 1, \"startedAt\": \"yesterday\"}]'\n", OK_END).running()))
        .contains("\"startedAt\" of s-1 is no ISO-8601 instant: yesterday");
    assertThat(failure(listingHost("exit 3\n", OK_END).running())).contains("exit");
  }

  @Test
  void withoutAListScriptNothingIsListedAndNothingIsAskedAgain() throws Exception {
    ExecSessionHost host = host("echo '{\"host\": \"h\", \"port\": 3389}'\n");
    assertThat(result(host.running())).isEmpty();
    assertThat(host.listInterval()).isZero();
  }

  // ---- settings -------------------------------------------------------------------------------

  @Test
  void settingsRejectMissingCommandsAndBadValues() {
    List<String> cmd = List.of("true");
    assertThatThrownBy(() -> new ExecSessionHost.Settings(List.of(), cmd, Duration.ofSeconds(1), "rdp", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start command");
    assertThatThrownBy(() -> new ExecSessionHost.Settings(cmd, null, Duration.ofSeconds(1), "rdp", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("end command");
    assertThatThrownBy(() -> new ExecSessionHost.Settings(cmd, cmd, Duration.ofSeconds(-1), "rdp", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> new ExecSessionHost.Settings(cmd, cmd, Duration.ZERO, "rdp", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> new ExecSessionHost.Settings(cmd, cmd, Duration.ofSeconds(1), " ", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("protocol");
  }
}
