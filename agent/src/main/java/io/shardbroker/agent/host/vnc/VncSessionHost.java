package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.display.LocalDisplay;
import io.shardbroker.agent.display.LocalDisplays;
import io.shardbroker.agent.display.VncAuth;
import io.shardbroker.agent.host.HostedSession;
import io.shardbroker.agent.host.SessionHost;
import io.shardbroker.agent.host.SessionHostException;
import io.shardbroker.agent.host.SessionSpec;
import io.shardbroker.agent.host.vnc.VncSessionRecord.ProcessId;
import io.shardbroker.protocol.v1.Connection;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each desktop session as a TigerVNC {@code Xvnc} server of its own with the session command
 * in it (see {@link VncHostSettings}), on Linux VMs.
 *
 * <p>A display accepts nobody by itself: Xvnc listens only on a 0600 Unix socket in the session's
 * 0700 directory and asks for a random password that only the agent knows (for the display relay,
 * {@link #display}); the X server takes only clients with the session's cookie. Where the agent
 * runs as root and the user has a local account, the session runs as that account.
 *
 * <p>The session ends by itself when its command exits or its X server dies (the user logged
 * off): the host ends the rest and tells its listeners within {@link #WATCH_INTERVAL}. Sessions
 * outlive the agent: a state file names their processes, and a restarted agent's host finds those
 * that still run and watches them again ({@link #running}).
 */
public final class VncSessionHost implements SessionHost, LocalDisplays {

  private static final Logger log = LoggerFactory.getLogger(VncSessionHost.class);
  static final String SOCKET = "rfb.sock";
  private static final String PASSWORD_FILE = "passwd";
  private static final String XAUTHORITY = "Xauthority";
  private static final String SESSION_LOG = "session.log";
  /** How often the processes of each session are checked: a logoff is seen within this. */
  static final Duration WATCH_INTERVAL = Duration.ofMillis(250);
  private static final Duration END_GRACE = Duration.ofSeconds(3);

  private final VncHostSettings settings;
  private final Supplier<Connection> relay;
  private final Clock clock;
  private final SecureRandom random;
  private final VncStateFile state;
  private final SessionDirectories directories;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("vnc-host-watch").factory());
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  // Guarded by this: the sessions that run, by id, and their display passwords.
  private final Map<String, VncSessionRecord> sessions = new LinkedHashMap<>();
  private final Map<String, byte[]> passwords = new HashMap<>();

  /**
   * Finds the sessions of an earlier run that still run, and ends the remains of those that do
   * not.
   *
   * @param relay where brokers reach this VM's displays: the display relay's advertised address
   * @throws IllegalStateException when Xvnc is not installed or the directory cannot be used
   */
  public VncSessionHost(VncHostSettings settings, Supplier<Connection> relay, Clock clock, SecureRandom random) {
    this.settings = settings;
    this.relay = relay;
    this.clock = clock;
    this.random = random;
    if (installedXvnc(settings.xvnc()).isEmpty()) {
      throw new IllegalStateException("vnc host: " + settings.xvnc() + " is not installed (Debian/Ubuntu: "
          + "apt-get install " + VncHostSettings.PACKAGES + ")");
    }
    this.state = new VncStateFile(settings.directory());
    Path sessionsRoot = sessionsRoot(settings.directory());
    if (sessionsRoot.equals(settings.directory())) {
      this.directories = new SessionDirectories(sessionsRoot);
    } else {
      this.directories = SessionDirectories.elsewhere(sessionsRoot);
      log.info("vnc host: {} is too deep for the displays' Unix sockets; the sessions' directories are in {}",
          settings.directory(), sessionsRoot);
    }
    adoptEarlierSessions();
    watcher.scheduleWithFixedDelay(this::watchProcesses, WATCH_INTERVAL.toMillis(), WATCH_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Where a vnc host keeping its state in {@code directory} keeps its sessions' directories (with
   * their sockets): {@code directory}, or a short one under /tmp when that is too deep for sockets.
   */
  public static Path sessionsRoot(Path directory) {
    return SessionDirectories.rootFor(directory, SOCKET);
  }

  /** The X server's path when {@code xvnc} is installed (a path, or a name looked up on PATH). */
  public static Optional<Path> installedXvnc(String xvnc) {
    if (xvnc.contains("/")) {
      Path path = Path.of(xvnc);
      return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    String searchPath = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String dir : searchPath.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, xvnc);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public CompletableFuture<Connection> start(SessionSpec spec) {
    return CompletableFuture.supplyAsync(() -> startNow(spec), executor);
  }

  private Connection startNow(SessionSpec spec) {
    DesktopAccount account = DesktopAccount.forUser(spec.user());
    if (account.switched()) {
      log.info("session {} of {} runs as the local account {}", spec.sessionId(), spec.user(), account.name());
    } else {
      log.info("session {} of {} runs as the agent's own account {}: {}", spec.sessionId(), spec.user(),
          account.name(), DesktopAccount.agentsOwn().uid() == 0
              ? spec.user() + " has no local account here" : "the agent does not run as root");
    }
    Path directory = directories.create(account);
    List<ProcessId> started = new ArrayList<>();
    try {
      byte[] password = VncAuth.newPassword(random);
      byte[] cookie = new byte[XAuthority.COOKIE_LENGTH];
      random.nextBytes(cookie);
      directories.write(directory.resolve(PASSWORD_FILE), VncAuth.passwordFile(password), account);
      directories.write(directory.resolve(XAUTHORITY), XAuthority.file(cookie, -1), account);
      XvncLaunch xvnc = XvncLaunch.start(settings, directory, account);
      started.add(xvnc.process());
      int display = xvnc.awaitDisplay(settings.startTimeout());
      directories.write(directory.resolve(XAUTHORITY), XAuthority.file(cookie, display), account);
      ProcessId command = startCommand(spec, directory, display, account);
      started.add(command);
      VncSessionRecord session = new VncSessionRecord(spec.sessionId(), spec.user(), spec.pool(), clock.instant(),
          directory, display, xvnc.process(), command, account.name(), spec.policy());
      synchronized (this) {
        sessions.put(spec.sessionId(), session);
        passwords.put(spec.sessionId(), password);
        state.save(sessions.values());
      }
      log.info("session {} of {} started on display :{} ({}, {})", spec.sessionId(), spec.user(), display,
          settings.geometry(), directory);
      return relay.get();
    } catch (RuntimeException e) {
      endProcesses(started);
      directories.delete(directory);
      synchronized (this) {
        if (sessions.remove(spec.sessionId()) != null) {
          passwords.remove(spec.sessionId());
          state.save(sessions.values());
        }
      }
      throw e instanceof SessionHostException s ? s
          : new SessionHostException("the desktop could not start: " + e.getMessage(), e);
    }
  }

  private ProcessId startCommand(SessionSpec spec, Path directory, int display, DesktopAccount account) {
    ProcessBuilder builder = new ProcessBuilder(account.command(settings.sessionCommand()));
    Map<String, String> env = builder.environment();
    String lang = env.get("LANG");
    env.clear();
    account.putEnvironment(env);
    env.put("LANG", lang != null ? lang : "C.UTF-8");
    env.put("DISPLAY", ":" + display);
    env.put("XAUTHORITY", directory.resolve(XAUTHORITY).toString());
    env.put("SHARDBROKER_SESSION_ID", spec.sessionId());
    env.put("SHARDBROKER_USER", spec.user());
    env.put("SHARDBROKER_POOL", spec.pool());
    builder.directory(Files.isDirectory(account.home()) ? account.home().toFile() : directory.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve(SESSION_LOG).toFile()));
    builder.redirectErrorStream(true);
    try {
      return ProcessId.of(builder.start().toHandle());
    } catch (IOException e) {
      throw new SessionHostException("the session command could not run: " + e.getMessage(), e);
    }
  }

  @Override
  public CompletableFuture<Void> end(String sessionId) {
    VncSessionRecord session = forget(sessionId);
    if (session == null) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      endRemains(session);
      log.info("session {} of {} logged off", sessionId, session.user());
    }, executor);
  }

  @Override
  public CompletableFuture<List<HostedSession>> running() {
    return CompletableFuture.supplyAsync(() -> {
      watchProcesses();
      Connection connection = relay.get();
      synchronized (this) {
        return sessions.values().stream()
            .map(s -> new HostedSession(s.sessionId(), s.user(), s.pool(), connection, s.startedAt(), s.policy()))
            .toList();
      }
    }, executor);
  }

  /** The agent's display relay reaches every display of this host. */
  @Override
  public boolean relaysDisplays() {
    return true;
  }

  @Override
  public synchronized Optional<LocalDisplay> display(String sessionId) {
    VncSessionRecord session = sessions.get(sessionId);
    return session == null ? Optional.empty()
        : Optional.of(new LocalDisplay(session.socket(), passwords.get(sessionId).clone()));
  }

  /** The record of {@code sessionId} while it runs: for tests. */
  synchronized Optional<VncSessionRecord> record(String sessionId) {
    return Optional.ofNullable(sessions.get(sessionId));
  }

  @Override
  public void onSessionEnded(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Ends, and tells of, every session whose X server or command is gone. */
  private void watchProcesses() {
    List<VncSessionRecord> all;
    synchronized (this) {
      all = List.copyOf(sessions.values());
    }
    for (VncSessionRecord s : all) {
      boolean xvncLive = s.xvnc().live().isPresent();
      if (xvncLive && s.command().live().isPresent()) {
        continue;
      }
      if (forget(s.sessionId()) == null) {
        continue;  // ended meanwhile
      }
      log.info("session {} of {} ended on the desktop: {}", s.sessionId(), s.user(),
          xvncLive ? "the session command exited (the user logged off)" : "the X server exited");
      // The agent hears first, so that every set drops the session before its viewer sees the
      // display go: a viewer that asks then is told the session ended, not that it was lost.
      executor.execute(() -> {
        listeners.forEach(l -> l.accept(s.sessionId()));
        endRemains(s);
      });
    }
  }

  /** Takes {@code sessionId} out of the host's sessions and state file; null when it was not there. */
  private synchronized VncSessionRecord forget(String sessionId) {
    VncSessionRecord session = sessions.remove(sessionId);
    if (session != null) {
      passwords.remove(sessionId);
      state.save(sessions.values());
    }
    return session;
  }

  private void endRemains(VncSessionRecord session) {
    endProcesses(List.of(session.command(), session.xvnc()));
    directories.delete(session.directory());
  }

  /**
   * Ends the process sessions these processes lead. A leader that is gone still names its
   * session while members live (Linux keeps the number in use); a leader whose number another
   * process now holds leaves no members behind.
   */
  private static void endProcesses(List<ProcessId> leaders) {
    Set<Long> sessions = new HashSet<>();
    for (ProcessId leader : leaders) {
      if (leader.live().isPresent() || ProcessHandle.of(leader.pid()).isEmpty()) {
        sessions.add(leader.pid());
      }
    }
    ProcessSessions.end(sessions, END_GRACE);
  }

  private void adoptEarlierSessions() {
    List<VncSessionRecord> earlier = state.load();
    for (VncSessionRecord s : earlier) {
      Optional<byte[]> password = s.xvnc().live().isPresent() && s.command().live().isPresent()
          ? directories.read(s.directory().resolve(PASSWORD_FILE)).map(VncAuth::passwordOf)
          : Optional.empty();
      if (password.isPresent()) {
        sessions.put(s.sessionId(), s);
        passwords.put(s.sessionId(), password.get());
        log.info("session {} of {} on display :{} still runs from before the agent started", s.sessionId(),
            s.user(), s.display());
      } else {
        log.info("session {} of {} ended while the agent was away", s.sessionId(), s.user());
        endRemains(s);
      }
    }
    directories.deleteAllBut(SessionDirectories.NAME,
        sessions.values().stream().map(VncSessionRecord::directory).toList());
    state.save(sessions.values());
  }

  @Override
  public void close() {
    watcher.shutdownNow();
    if (settings.endSessionsOnClose()) {
      List<String> ids;
      synchronized (this) {
        ids = List.copyOf(sessions.keySet());
      }
      ids.forEach(id -> end(id).join());
      directories.deleteIfElsewhereAndEmpty();
    }
    executor.shutdown();
  }
}
