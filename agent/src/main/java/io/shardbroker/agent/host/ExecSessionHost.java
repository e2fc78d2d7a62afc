package io.shardbroker.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shardbroker.protocol.v1.Connection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and ends sessions by running the operator's scripts, so shardbroker can drive any
 * desktop stack (xrdp, a hypervisor API, a container runtime) without code.
 *
 * <p>The start command runs with {@code SHARDBROKER_SESSION_ID}, {@code SHARDBROKER_USER},
 * {@code SHARDBROKER_POOL} and {@code SHARDBROKER_VM_ID} in its environment and must print one
 * JSON object on standard output: {@code {"host": "...", "port": 3389, "protocol": "rdp"}}
 * ({@code protocol} is optional and defaults to the configured one). A non-zero exit, bad JSON
 * or no answer within the timeout fails the start and no session is counted. The end command gets
 * the same environment; its failure is logged, and the session is counted as ended anyway, since
 * the VM is the one that knows better.
 *
 * <p>An optional ticket command runs before every start answer (a new session or a reconnect)
 * with the same environment plus {@code SHARDBROKER_TICKET} and
 * {@code SHARDBROKER_TICKET_EXPIRES_AT} (ISO-8601): the one-time ticket the user's client will
 * present, which the desktop's gateway should accept once and for that user only. Its failure is
 * logged; the user then gets a ticket the gateway does not know.
 *
 * <p>Commands run on virtual threads, one per call, so a slow script never holds up the agent.
 */
public final class ExecSessionHost implements SessionHost {

  private static final Logger log = LoggerFactory.getLogger(ExecSessionHost.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_OUTPUT_BYTES = 64 * 1024;

  /**
   * @param startCommand argv of the start script
   * @param endCommand argv of the end script
   * @param timeout how long a script may run before it is killed
   * @param protocol protocol named when the start script names none
   * @param workingDirectory where scripts run; null for the agent's own
   * @param ticketCommand argv of the script told each connection ticket; null for none
   * @param listCommand argv of the script that prints the sessions that run; null for none
   * @param listInterval how often the list script runs, to see logoffs on the desktops
   */
  public record Settings(
      List<String> startCommand,
      List<String> endCommand,
      Duration timeout,
      String protocol,
      Path workingDirectory,
      List<String> ticketCommand,
      List<String> listCommand,
      Duration listInterval) {

    public static final Duration LIST_INTERVAL_DEFAULT = Duration.ofSeconds(10);

    /** Without a ticket command or a list command. */
    public Settings(List<String> startCommand, List<String> endCommand, Duration timeout, String protocol,
        Path workingDirectory) {
      this(startCommand, endCommand, timeout, protocol, workingDirectory, null);
    }

    /** Without a list command. */
    public Settings(List<String> startCommand, List<String> endCommand, Duration timeout, String protocol,
        Path workingDirectory, List<String> ticketCommand) {
      this(startCommand, endCommand, timeout, protocol, workingDirectory, ticketCommand, null,
          LIST_INTERVAL_DEFAULT);
    }

    /** These settings with a list script run every {@code interval}. */
    public Settings withList(List<String> command, Duration interval) {
      return new Settings(startCommand, endCommand, timeout, protocol, workingDirectory, ticketCommand, command,
          interval);
    }

    public Settings {
      if (startCommand == null || startCommand.isEmpty()) {
        throw new IllegalArgumentException("exec host: start command must be given");
      }
      if (endCommand == null || endCommand.isEmpty()) {
        throw new IllegalArgumentException("exec host: end command must be given");
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("exec host: timeout must be positive, got " + timeout);
      }
      if (protocol == null || protocol.isBlank()) {
        throw new IllegalArgumentException("exec host: protocol must not be empty");
      }
      startCommand = List.copyOf(startCommand);
      endCommand = List.copyOf(endCommand);
      ticketCommand = ticketCommand == null || ticketCommand.isEmpty() ? null : List.copyOf(ticketCommand);
      listCommand = listCommand == null || listCommand.isEmpty() ? null : List.copyOf(listCommand);
      if (listCommand != null && (listInterval == null || listInterval.isNegative() || listInterval.isZero())) {
        throw new IllegalArgumentException("exec host: list interval must be positive, got " + listInterval);
      }
    }
  }

  private final Settings settings;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  // Guarded by this: session id -> its spec, for the end script's environment.
  private final Map<String, SessionSpec> running = new java.util.HashMap<>();

  public ExecSessionHost(Settings settings) {
    this.settings = settings;
    if (settings.listCommand() == null) {
      log.warn("exec host without a list script: a restarted agent cannot know which sessions still run, and "
          + "logoffs inside the desktops go unseen (give host.list in the agent's config)");
    }
  }

  @Override
  public void onSessionEnded(Consumer<String> listener) {
    // Scripts tell of no logoff by themselves: the agent sees one at the next run of the list script.
  }

  /**
   * What the list script prints: a JSON array of the sessions that run, each
   * {@code {"sessionId", "user", "pool", "host", "port", "protocol"?, "startedAt"?}} (an ISO-8601
   * instant). Without a list script: none, as far as this host can tell.
   */
  @Override
  public CompletableFuture<List<HostedSession>> running() {
    if (settings.listCommand() == null) {
      return CompletableFuture.completedFuture(List.of());
    }
    return CompletableFuture.supplyAsync(() -> {
      Set<String> before;
      synchronized (this) {
        before = Set.copyOf(running.keySet());
      }
      List<HostedSession> found = parseSessions(run(settings.listCommand(), null, "list", Map.of()));
      synchronized (this) {
        Set<String> listed = new HashSet<>();
        for (HostedSession h : found) {
          listed.add(h.sessionId());
          // One this host did not start (before a restart, by hand) is ended with what the list says.
          running.putIfAbsent(h.sessionId(), new SessionSpec(h.sessionId(), h.user(), h.pool(), ""));
        }
        // Gone from the desktop; one started while the script ran may be missing and stays.
        before.stream().filter(id -> !listed.contains(id)).forEach(running::remove);
      }
      return found;
    }, executor);
  }

  @Override
  public Duration listInterval() {
    return settings.listCommand() == null ? Duration.ZERO : settings.listInterval();
  }

  @Override
  public CompletableFuture<Connection> start(SessionSpec spec) {
    return CompletableFuture.supplyAsync(() -> {
      String out = run(settings.startCommand(), spec, "start");
      Connection connection = parseConnection(out);
      synchronized (this) {
        running.put(spec.sessionId(), spec);
      }
      return connection;
    }, executor);
  }

  @Override
  public CompletableFuture<Void> end(String sessionId) {
    SessionSpec spec;
    synchronized (this) {
      spec = running.remove(sessionId);
    }
    if (spec == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      try {
        run(settings.endCommand(), spec, "end");
      } catch (SessionHostException e) {
        log.warn("end script failed for session {} of {}: {}", sessionId, spec.user(), e.getMessage());
      }
    }, executor);
  }

  @Override
  public CompletableFuture<Void> ticketIssued(SessionSpec spec, String ticket, Instant expiresAt) {
    if (settings.ticketCommand() == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      try {
        run(settings.ticketCommand(), spec, "ticket",
            Map.of("SHARDBROKER_TICKET", ticket, "SHARDBROKER_TICKET_EXPIRES_AT", expiresAt.toString()));
      } catch (SessionHostException e) {
        log.warn("ticket script failed for session {} of {}: {}", spec.sessionId(), spec.user(), e.getMessage());
      }
    }, executor);
  }

  private String run(List<String> command, SessionSpec spec, String what) {
    return run(command, spec, what, Map.of());
  }

  private String run(List<String> command, SessionSpec spec, String what, Map<String, String> more) {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (settings.workingDirectory() != null) {
      builder.directory(settings.workingDirectory().toFile());
    }
    Map<String, String> env = builder.environment();
    env.putAll(more);
    if (spec != null) {
      env.put("SHARDBROKER_SESSION_ID", spec.sessionId());
      env.put("SHARDBROKER_USER", spec.user());
      env.put("SHARDBROKER_POOL", spec.pool());
      env.put("SHARDBROKER_VM_ID", spec.vmId());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new SessionHostException(what + " script could not run: " + e.getMessage(), e);
    }
    // One deadline for the whole run: the script's exit and the end of its output.
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    try {
      process.getOutputStream().close();
      CompletableFuture<byte[]> stdout = readAsync(process.getInputStream());
      CompletableFuture<byte[]> stderr = readAsync(process.getErrorStream());
      if (!process.waitFor(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
        destroyTree(process);
        throw new SessionHostException(what + " script did not finish within " + settings.timeout());
      }
      String out = new String(output(stdout, deadline, what), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        String err = new String(output(stderr, deadline, what), StandardCharsets.UTF_8).strip();
        throw new SessionHostException(what + " script exited with " + process.exitValue()
            + (err.isEmpty() ? "" : ": " + lastLine(err)));
      }
      return out;
    } catch (InterruptedException e) {
      destroyTree(process);
      Thread.currentThread().interrupt();
      throw new SessionHostException(what + " script interrupted", e);
    } catch (IOException e) {
      destroyTree(process);
      throw new SessionHostException(what + " script failed: " + e.getMessage(), e);
    }
  }

  /**
   * Kills the script and whatever it started: killing the shell alone would leave a hung child
   * (and the pipes it holds) running after the start was declared failed.
   */
  private static void destroyTree(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    process.destroyForcibly();
    descendants.forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * What the script printed, waiting for the end of its output no later than {@code deadline}: a
   * background process started without redirection keeps the pipe open after the script exits.
   */
  private byte[] output(CompletableFuture<byte[]> stream, long deadline, String what)
      throws InterruptedException {
    try {
      return stream.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new SessionHostException(what + " script did not finish within " + settings.timeout()
          + ": it exited, but a process it started still holds its output open"
          + " (redirect the output of background commands)");
    } catch (ExecutionException e) {
      throw new SessionHostException(what + " script's output could not be read: "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  private CompletableFuture<byte[]> readAsync(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try (in) {
        byte[] head = in.readNBytes(MAX_OUTPUT_BYTES);
        in.transferTo(java.io.OutputStream.nullOutputStream()); // what a chatty script prints past the limit
        return head;
      } catch (IOException e) {
        return new byte[0];
      }
    }, executor);
  }

  Connection parseConnection(String stdout) {
    JsonNode json;
    try {
      json = JSON.readTree(stdout);
    } catch (IOException e) {
      throw new SessionHostException("start script printed no JSON object: " + abbreviate(stdout));
    }
    if (json == null || !json.isObject()) {
      throw new SessionHostException("start script printed no JSON object: " + abbreviate(stdout));
    }
    String host = json.path("host").asText("");
    int port = json.path("port").asInt(-1);
    String protocol = json.path("protocol").asText(settings.protocol());
    if (host.isBlank()) {
      throw new SessionHostException("start script's JSON has no \"host\"");
    }
    if (!json.path("port").canConvertToInt() || port < 1 || port > 65535) {
      throw new SessionHostException("start script's JSON has no valid \"port\" (1..65535): "
          + json.path("port"));
    }
    return Connection.newBuilder().setHost(host).setPort(port).setProtocol(protocol).build();
  }

  List<HostedSession> parseSessions(String stdout) {
    JsonNode json;
    try {
      json = JSON.readTree(stdout);
    } catch (IOException e) {
      throw new SessionHostException("list script printed no JSON array: " + abbreviate(stdout));
    }
    if (json == null || !json.isArray()) {
      throw new SessionHostException("list script printed no JSON array: " + abbreviate(stdout));
    }
    List<HostedSession> sessions = new ArrayList<>();
    for (JsonNode s : json) {
      String id = s.path("sessionId").asText("");
      String user = s.path("user").asText("");
      String pool = s.path("pool").asText("");
      if (id.isBlank() || user.isBlank() || pool.isBlank()) {
        throw new SessionHostException("list script's session needs \"sessionId\", \"user\" and \"pool\": "
            + abbreviate(s.toString()));
      }
      Instant startedAt = null;
      if (s.hasNonNull("startedAt")) {
        try {
          startedAt = Instant.parse(s.path("startedAt").asText());
        } catch (DateTimeParseException e) {
          throw new SessionHostException("list script's \"startedAt\" of " + id + " is no ISO-8601 instant: "
              + s.path("startedAt").asText());
        }
      }
      sessions.add(new HostedSession(id, user, pool, parseConnection(s.toString()), startedAt));
    }
    return sessions;
  }

  private static String lastLine(String text) {
    List<String> lines = new ArrayList<>(text.lines().toList());
    return abbreviate(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
  }

  private static String abbreviate(String text) {
    String t = text.strip();
    return t.length() <= 200 ? t : t.substring(0, 200) + "...";
  }

  @Override
  public void close() {
    executor.shutdown();
  }
}
