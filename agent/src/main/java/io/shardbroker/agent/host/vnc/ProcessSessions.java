package io.shardbroker.agent.host.vnc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends Linux process sessions (setsid): a desktop's programs, including those it started in the
 * background and that left their parent, all share the session of its first process. Linux only:
 * session ids are read from {@code /proc/<pid>/stat}.
 */
final class ProcessSessions {

  private ProcessSessions() {}

  /**
   * Asks every process of the sessions led by {@code leaders} to stop (SIGTERM), and kills those
   * still there after {@code grace} (SIGKILL). Returns when all are gone or were killed.
   */
  static void end(Set<Long> leaders, Duration grace) {
    members(leaders).forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline && !members(leaders).isEmpty()) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    members(leaders).forEach(ProcessHandle::destroyForcibly);
  }

  /** The live processes whose session is one of {@code leaders}. */
  static List<ProcessHandle> members(Set<Long> leaders) {
    return ProcessHandle.allProcesses()
        .filter(p -> leaders.contains(sessionOf(p.pid())))
        .filter(ProcessHandle::isAlive)
        .toList();
  }

  /** The session id of {@code pid}, or -1 when it is gone. */
  static long sessionOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses.
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(after[3]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
