package io.shardbroker.tools.run;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The tools' own jar, which the benchmarks start again as child processes (the load generator, the
 * central-db system): the one the {@value #PROPERTY} system property names (the build sets it for
 * tests), else the runnable jar this JVM runs from.
 */
public final class ToolsJar {

  public static final String PROPERTY = "shardbroker.tools.jar";

  private ToolsJar() {}

  /** The jar; a clear error when there is none to run. */
  public static Path path() {
    String property = System.getProperty(PROPERTY);
    if (property != null) {
      Path given = Path.of(property);
      if (!Files.isRegularFile(given)) {
        throw new IllegalArgumentException("-D" + PROPERTY + " names " + given
            + ", which does not exist; build it with ./mvnw -pl tools -am package");
      }
      return given;
    }
    CodeSource source = ToolsJar.class.getProtectionDomain().getCodeSource();
    String runningFrom = "an unknown location";
    if (source != null) {
      runningFrom = source.getLocation().toString();
      try {
        Path location = Path.of(source.getLocation().toURI());
        if (runnable(location)) {
          return location;
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // not a file: say where it runs from below
      }
    }
    throw new IllegalArgumentException("the benchmarks start processes from the tools jar, but this JVM runs "
        + "from " + runningFrom + "; run them as ./shardbroker bench ..., or name the jar with -D" + PROPERTY + "=PATH");
  }

  /** A jar that {@code java -jar} can run: it names its main class (a module's thin jar does not). */
  private static boolean runnable(Path file) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (JarFile jar = new JarFile(file.toFile())) {
      Manifest manifest = jar.getManifest();
      return manifest != null && manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS) != null;
    } catch (IOException e) {
      return false;
    }
  }
}
