package io.shardbroker.agent.host.vnc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The local account a desktop session runs as: the user's own where the agent runs as root and
 * the user exists on the VM (so files, processes and permissions are theirs), else the agent's
 * own account (a trial, or a VM whose users are not local accounts).
 *
 * @param name the account's name
 * @param uid its user id
 * @param gid its primary group id
 * @param home its home directory
 * @param shell its login shell
 * @param switched true when the session runs as another account than the agent's (via setpriv)
 */
record DesktopAccount(String name, long uid, long gid, Path home, String shell, boolean switched) {

  /** The account for {@code user}'s session: theirs when this process may and they exist, else the agent's. */
  static DesktopAccount forUser(String user) {
    DesktopAccount agent = agentsOwn();
    if (agent.uid() != 0 || !user.matches("[a-z_][a-z0-9_.-]{0,31}")) {
      return agent;
    }
    return lookUp(user).map(a -> new DesktopAccount(a.name, a.uid, a.gid, a.home, a.shell, a.uid != 0))
        .orElse(agent);
  }

  /** The account this process runs as. */
  static DesktopAccount agentsOwn() {
    String name = System.getProperty("user.name");
    return lookUp(name).orElseGet(() -> new DesktopAccount(name, -1, -1,
        Path.of(System.getProperty("user.home")), "/bin/sh", false));
  }

  /**
   * {@code command} as it must run for this account: in a session of its own (so that ending it
   * ends everything it started) and, when switched, with this account's ids and groups.
   */
  List<String> command(List<String> command) {
    List<String> argv = new ArrayList<>(List.of("setsid"));
    if (switched) {
      argv.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups"));
    }
    argv.addAll(command);
    return argv;
  }

  /** The login environment of this account, as a desktop session starts with it. */
  void putEnvironment(Map<String, String> env) {
    env.put("HOME", home.toString());
    env.put("USER", name);
    env.put("LOGNAME", name);
    env.put("SHELL", shell);
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
  }

  private static Optional<DesktopAccount> lookUp(String name) {
    try {
      Process getent = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true).start();
      getent.getOutputStream().close();
      String line = new String(getent.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
      if (!getent.waitFor(10, TimeUnit.SECONDS) || getent.exitValue() != 0) {
        getent.destroyForcibly();
        return Optional.empty();
      }
      String[] f = line.split(":", -1);  // name:x:uid:gid:gecos:home:shell
      if (f.length < 7 || !f[0].equals(name)) {
        return Optional.empty();
      }
      return Optional.of(new DesktopAccount(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), Path.of(f[5]),
          f[6].isBlank() ? "/bin/sh" : f[6], false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
