package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.RoleConfigs.BrokerConfig;
import io.shardbroker.cli.config.RoleConfigs.UserSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 4: a seed with one of the example config files' passwords, which anyone can read,
 * is refused at start; and the broker's list of them is complete.
 */
class ExamplePasswordsTest {

  private static final Path EXAMPLES = Path.of("..", "config");
  /** {@code password: value} in YAML, flow or block style; the value unquoted. */
  private static final Pattern PASSWORD = Pattern.compile("password:\\s*['\"]?([^\\s,}'\"#]+)");
  /** What the example files write where the reader puts a secret of their own. */
  private static final String PLACEHOLDER = "...";

  @Test
  void everyPasswordInTheExampleConfigFilesIsKnown() throws IOException {
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Matcher m = PASSWORD.matcher(Files.readString(file));
        while (m.find()) {
          if (!m.group(1).equals(PLACEHOLDER)) {
            found.add(m.group(1));
          }
        }
      }
    }
    BrokerConfig broker = ConfigFiles.read(EXAMPLES.resolve("broker.yaml"), BrokerConfig.class);
    List<String> seeded = broker.seed().users().stream().map(UserSeed::password).toList();

    assertThat(found).as("what the files hold").containsAll(seeded).isNotEmpty();
    assertThat(ExamplePasswords.KNOWN).containsAll(found);
  }

  @Test
  void aSeedWithAnExamplePasswordIsRefusedAtStart(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    Path config = Files.writeString(dir.resolve("broker.yaml"), """
        seed:
          groups: [{name: admins}]
          users:
            - {name: root, password: a-password-of-my-own, groups: [admins]}
            - {name: alice, password: change-me-now, groups: [admins]}
        """);

    CommandRun run = CommandRun.of("broker", "--config", config.toString(), "--data", data.toString(),
        "--set", "a=a1@127.0.0.1:1", "--http-port", "0", "--insecure");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'alice'", "'change-me-now'", "example", "admin users update")
        .doesNotContain("Exception", "\tat ");
    assertThat(data).as("no store was opened").doesNotExist();
  }

  @Test
  void theExampleBrokerConfigIsRefusedAsItIs(@TempDir Path dir) {
    CommandRun run = CommandRun.of("broker", "--config", EXAMPLES.resolve("broker.yaml").toString(),
        "--topology", EXAMPLES.resolve("topology.yaml").toString(), "--data", dir.resolve("data").toString(),
        "--http-port", "0", "--insecure");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'change-me-now'").doesNotContain("Exception");
  }

  @Test
  void theDemosOwnSeedPasses() {
    assertThat(ExamplePasswords.refuseIn(DemoCommand.seed(true))).isEqualTo(DemoCommand.seed(true));
    assertThat(ExamplePasswords.KNOWN).doesNotContain(DemoCommand.PASSWORD);
  }
}
