package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.host.SessionHostException;
import io.shardbroker.agent.host.vnc.VncSessionRecord.ProcessId;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Xvnc server being started. It picks a free display itself and writes the number on its
 * standard output once it accepts connections ({@code -displayfd}): no display number is chosen
 * here and handed on, so two agents, or an X server already running, never collide.
 */
final class XvncLaunch {

  private static final String LOG = "xvnc.log";
  private final Process process;
  private final Path directory;

  private XvncLaunch(Process process, Path directory) {
    this.process = process;
    this.directory = directory;
  }

  static XvncLaunch start(VncHostSettings settings, Path directory, DesktopAccount account) {
    List<String> xvnc = List.of(settings.xvnc(),
        "-displayfd", "1",
        "-rfbunixpath", directory.resolve(VncSessionHost.SOCKET).toString(), "-rfbunixmode", "0600",
        "-rfbport", "-1",
        "-SecurityTypes", "VncAuth", "-PasswordFile", directory.resolve("passwd").toString(),
        "-auth", directory.resolve("Xauthority").toString(), "-nolisten", "tcp",
        "-geometry", settings.geometry(), "-depth", Integer.toString(settings.depth()),
        "-desktop", account.name() + " on shardbroker");
    ProcessBuilder builder = new ProcessBuilder(account.command(xvnc))
        .directory(directory.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(ProcessBuilder.Redirect.appendTo(directory.resolve(LOG).toFile()));
    try {
      return new XvncLaunch(builder.start(), directory);
    } catch (IOException e) {
      throw new SessionHostException("Xvnc could not run: " + e.getMessage(), e);
    }
  }

  ProcessId process() {
    return ProcessId.of(process.toHandle());
  }

  /** The display number once Xvnc is ready; fails with the end of its log when it is not within {@code timeout}. */
  int awaitDisplay(Duration timeout) {
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.US_ASCII))) {
        return out.readLine();  // Xvnc writes nothing more on it; closing it costs the server nothing
      } catch (IOException e) {
        return null;
      }
    }, r -> Thread.ofVirtual().start(r));
    try {
      String number = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (number != null && number.strip().matches("[0-9]{1,5}")) {
        return Integer.parseInt(number.strip());
      }
      throw new SessionHostException("Xvnc did not start: " + lastLogLine());
    } catch (TimeoutException e) {
      throw new SessionHostException("Xvnc was not ready within " + timeout + ": " + lastLogLine());
    } catch (ExecutionException e) {
      throw new SessionHostException("Xvnc did not start: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SessionHostException("interrupted while Xvnc started", e);
    }
  }

  private String lastLogLine() {
    try {
      List<String> lines = Files.readAllLines(directory.resolve(LOG), StandardCharsets.UTF_8).stream()
          .map(String::strip).filter(l -> !l.isEmpty()).toList();
      return lines.isEmpty() ? "it wrote nothing" : lines.get(lines.size() - 1);
    } catch (IOException e) {
      return "its log cannot be read";
    }
  }
}
