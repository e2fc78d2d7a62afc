package io.shardbroker.tools.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The work directory of a local run (chaos, bench): emptied at the start of each run, but only
 * when an earlier run of the same kind made it, which a marker file inside it says. A directory
 * with other files may hold anything, so it is refused, never emptied.
 */
public final class WorkDir {

  private WorkDir() {}

  /**
   * Refuses {@code dir} when it holds files but no {@code marker}.
   *
   * @param run what made it, for the message: "chaos", "bench"
   */
  public static void refuseForeign(Path dir, String marker, String run) throws IOException {
    if (Files.isDirectory(dir) && !Files.exists(dir.resolve(marker))) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException("--work-dir " + dir + " is not empty and not from an "
              + "earlier " + run + " run; give an empty or new directory");
        }
      }
    }
  }

  /** Empties {@code dir} (of an earlier run) and marks it as this kind of run's. */
  public static void prepare(Path dir, String marker, String run) throws IOException {
    delete(dir);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(marker), "made by shardbroker " + run + "; emptied by the next run\n");
  }

  /** Deletes {@code dir} and everything in it; nothing when it does not exist. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
