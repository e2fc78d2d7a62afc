package io.shardbroker.agent.display;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The names of this JVM's live threads, virtual ones included, which {@link Thread#getAllStackTraces}
 * leaves out: from a JSON thread dump, as {@code jcmd Thread.dump_to_file} writes it.
 */
final class LiveThreads {

  private LiveThreads() {}

  /** The names of the live threads that start with {@code prefix}. */
  static List<String> named(String prefix) {
    try {
      Path file = Files.createTempFile("threads", ".json");
      Files.delete(file);  // the dump will not overwrite a file
      try {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .dumpThreads(file.toAbsolutePath().toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        JsonNode dump = new ObjectMapper().readTree(file.toFile());
        return dump.findValues("threads").stream()
            .flatMap(threads -> threads.findValuesAsText("name").stream())
            .filter(name -> name.startsWith(prefix))
            .toList();
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
