package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code agent enroll} takes its one-time token from a file or the environment, never from the
 * command line, where every user of the machine can read it. A fake broker records what is sent and
 * refuses it, which is all these tests need of it.
 */
class AgentEnrollCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "sbe1.the-one-time-token";

  @TempDir
  Path dir;

  private HttpServer broker;
  private final List<JsonNode> posted = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    broker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    broker.createContext("/api/v1/enroll", exchange -> {
      posted.add(JSON.readTree(exchange.getRequestBody()));
      byte[] answer = "{\"error\":\"enrollment_refused\",\"message\":\"no\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(403, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    broker.start();
  }

  @AfterEach
  void stopBroker() {
    broker.stop(0);
  }

  @Test
  void aTokenOnTheCommandLineIsRefusedAndNothingIsSent() {
    CommandRun run = enroll(Map.of(), "--token", TOKEN);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--token is refused").contains("shell history")
        .contains("--token-file").contains(AgentEnrollCommand.TOKEN_ENV);
    assertThat(posted).isEmpty();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void theTokenIsReadFromItsFile() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), TOKEN + "\n");

    CommandRun run = enroll(Map.of(AgentEnrollCommand.TOKEN_ENV, "sbe1.not-this-one"), "--token-file", file.toString());

    assertThat(run.err()).contains("enrollment_refused");
    assertThat(posted).singleElement().satisfies(body -> assertThat(body.path("token").asText()).isEqualTo(TOKEN));
  }

  @Test
  void theTokenIsReadFromTheEnvironment() {
    CommandRun run = enroll(Map.of(AgentEnrollCommand.TOKEN_ENV, TOKEN));

    assertThat(run.err()).contains("enrollment_refused");
    assertThat(posted).singleElement().satisfies(body -> assertThat(body.path("token").asText()).isEqualTo(TOKEN));
  }

  @Test
  void withoutATokenItSaysWhereToGiveOne() throws Exception {
    CommandRun none = enroll(Map.of());
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err()).contains("--token-file FILE or $" + AgentEnrollCommand.TOKEN_ENV);

    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThat(enroll(Map.of(), "--token-file", empty.toString()).err()).contains("is empty");
    assertThat(posted).isEmpty();
  }

  private CommandRun enroll(Map<String, String> env, String... tokenArgs) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new AgentEnrollCommand(env))
        .setExecutionExceptionHandler(ShardbrokerCommand::failed);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    List<String> args = new ArrayList<>(List.of("--broker", "http://127.0.0.1:" + broker.getAddress().getPort(),
        "--vm-id", "vm-0042", "--certs", dir.resolve("certs").toString()));
    args.addAll(List.of(tokenArgs));
    int code = cli.execute(args.toArray(String[]::new));
    return new CommandRun(code, out.toString(), err.toString());
  }
}
