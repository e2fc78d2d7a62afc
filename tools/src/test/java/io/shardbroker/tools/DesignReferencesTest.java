package io.shardbroker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The code's comments point at sections of docs/design.md, the design of record: the file's name,
 * a comma, and the section's heading in double quotes. Every such pointer, in every module's
 * sources, must name a heading that is there, so that a renamed or dropped section cannot leave
 * comments pointing at nothing.
 */
class DesignReferencesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern POINTER = Pattern.compile("docs/design\\.md,\\s*(?:\\*\\s*)?\"([^\"]+)\"");

  @Test
  void everyPointerOfTheCodeNamesASectionOfTheDesign() throws IOException {
    Path design = ROOT.resolve("docs/design.md");
    assertThat(design).as("the design of record").exists();
    Set<String> headings = Files.readAllLines(design).stream()
        .filter(line -> line.startsWith("#"))
        .map(line -> line.replaceFirst("^#+\\s*", "").strip())
        .collect(Collectors.toCollection(TreeSet::new));

    List<String> pointers = new ArrayList<>();
    List<String> dangling = new ArrayList<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/")).toList()) {
        // A pointer may wrap onto the next comment line: join the lines first.
        String text = Files.readString(file).replaceAll("\\n\\s*\\*\\s*", " ");
        Matcher m = POINTER.matcher(text);
        while (m.find()) {
          pointers.add(m.group(1));
          if (!headings.contains(m.group(1))) {
            dangling.add(ROOT.relativize(file) + ": \"" + m.group(1) + "\"");
          }
        }
      }
    }
    assertThat(pointers).as("pointers into the design").hasSizeGreaterThan(10);
    assertThat(dangling).as("pointers to no section of docs/design.md (sections: %s)", headings).isEmpty();
    assertThat(Files.readString(ROOT.resolve("README.md"))).contains("docs/design.md");
  }
}
