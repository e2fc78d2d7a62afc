package io.shardbroker.agent.host.vnc;

import io.shardbroker.protocol.v1.SessionPolicy;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One desktop session as the vnc host keeps it on disk, so that a restarted agent finds its
 * sessions again. Processes are named by id and start instant together: an id alone may belong
 * to another process by the time the agent looks again. Holds no secret.
 *
 * @param directory the session's own directory: its socket, password file, Xauthority and log
 * @param display the X display number Xvnc took
 * @param xvnc the X server's process
 * @param command the session command's process, leader of its own process session
 * @param account the local account the session runs as
 * @param policy when the agent logs it off by itself
 */
record VncSessionRecord(
    String sessionId,
    String user,
    String pool,
    Instant startedAt,
    Path directory,
    int display,
    ProcessId xvnc,
    ProcessId command,
    String account,
    SessionPolicy policy) {

  /** A process by id and the instant it started, which together name it for good. */
  record ProcessId(long pid, Instant startedAt) {

    static ProcessId of(ProcessHandle process) {
      return new ProcessId(process.pid(), process.info().startInstant().orElse(null));
    }

    /** The process, while it still runs. */
    java.util.Optional<ProcessHandle> live() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(p -> startedAt == null || startedAt.equals(p.info().startInstant().orElse(null)));
    }
  }

  Path socket() {
    return directory.resolve(VncSessionHost.SOCKET);
  }
}
