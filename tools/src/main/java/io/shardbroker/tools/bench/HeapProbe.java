package io.shardbroker.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live heap of a running JVM: what {@code jcmd <pid> GC.class_histogram} counts after the full
 * collection it forces first. A benchmark figure, read from outside the process, so that the
 * process measured carries no code for it; -1 when it cannot be read (no jcmd beside this JVM, as
 * in a bare JRE, or a process that does not answer in time).
 */
final class HeapProbe {

  private static final long TIMEOUT_SECONDS = 60;

  private HeapProbe() {}

  /** Live bytes on the heap of process {@code pid}, or -1; waits at most a minute. */
  static long liveBytes(long pid) throws InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return -1;
    }
    Path out = null;
    try {
      // Into a file, not a pipe: a JVM that never answers the attach must not hold this one up.
      out = Files.createTempFile("shardbroker-heap-", ".txt");
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue() == 0 ? total(Files.readAllLines(out, StandardCharsets.UTF_8)) : -1;
    } catch (IOException e) {
      return -1;
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // a temporary file left behind; nothing else to do
        }
      }
    }
  }

  /** The bytes of the histogram's last line, {@code Total <instances> <bytes>}; -1 if none. */
  static long total(List<String> histogram) {
    for (int i = histogram.size() - 1; i >= 0; i--) {
      String[] fields = histogram.get(i).trim().split("\\s+");
      if (fields.length == 3 && fields[0].equals("Total")) {
        try {
          return Long.parseLong(fields[2]);
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
