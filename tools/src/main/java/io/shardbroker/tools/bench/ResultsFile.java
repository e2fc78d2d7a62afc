package io.shardbroker.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark's results as one JSON file under its {@code --results} directory, named by the
 * benchmark and the UTC time it was written ({@code storm-20260101-120000.json}): when, on what
 * machine, with which options, and what each system measured. The directory is git-ignored.
 */
final class ResultsFile {

  private ResultsFile() {}

  /** Writes the file and returns it; {@code prefix} names the benchmark, e.g. {@code storm-quick-}. */
  static Path write(Path results, String prefix, Map<String, Object> options, Object systems) throws IOException {
    return write(results, prefix, options, "systems", systems);
  }

  /** Writes the file with what was measured under {@code key} instead of {@code systems}, and returns it. */
  static Path write(Path results, String prefix, Map<String, Object> options, String key, Object measured)
      throws IOException {
    Files.createDirectories(results);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("date", Instant.now().toString());
    doc.put("machine", Map.of(
        "cores", Runtime.getRuntime().availableProcessors(),
        "java", System.getProperty("java.version"),
        "os", System.getProperty("os.name") + " " + System.getProperty("os.arch")));
    doc.put("options", options);
    doc.put(key, measured);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
        .format(Instant.now().atOffset(ZoneOffset.UTC));
    Path file = results.resolve(prefix + stamp + ".json");
    LoadCommand.JSON.writeValue(file.toFile(), doc);
    return file;
  }

  /** A file beside {@code json} with the same name and another extension, e.g. {@code .svg}. */
  static Path beside(Path json, String extension) {
    String name = json.getFileName().toString();
    return json.resolveSibling(name.substring(0, name.length() - ".json".length()) + extension);
  }
}
