package io.shardbroker.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardbroker.tools.ToolsCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code shardbroker chaos}, shortened to a minute: 2 brokers, 2 sets x 3 concentrators and 1000
 * simulated VMs as separate processes, 400 users asking for, reconnecting to and ending sessions
 * while concentrators, a broker, agent streams and a whole set fail and come back. The command
 * judges the run itself, against the desktops' own record; this test holds it to its last line.
 */
@Timeout(300)
class ChaosIT {

  private static final Pattern LAST_LINE = Pattern.compile(
      "chaos: (\\d+) requests, (\\d+) ok, (\\d+) retryable, (\\d+) double assignments, converged in ([0-9.]+) s");

  @Test
  void aMinuteOfFaultsUnderLoadLeavesNoDoubleAssignmentNoFailedRequestAndOneTruth() {
    StringWriter captured = new StringWriter();
    CommandLine cli = ToolsCommand.commandLine();
    cli.setOut(new PrintWriter(new Tee(captured, new PrintWriter(System.out, true)), true));

    int exitCode = cli.execute("chaos", "--duration", "60s", "--vms", "1000", "--users", "400",
        "--rate", "30", "--work-dir", "target/it/chaos");

    List<String> lines = captured.toString().lines().toList();
    String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    assertThat(exitCode).as("exit code; the run said:\n%s", captured).isZero();
    Matcher m = LAST_LINE.matcher(last);
    assertThat(m.matches()).as("last line: %s", last).isTrue();
    long requests = Long.parseLong(m.group(1));
    long ok = Long.parseLong(m.group(2));
    long retryable = Long.parseLong(m.group(3));
    assertThat(requests).as("a minute at 30 requests/s").isGreaterThan(900);
    assertThat(ok + retryable).as("every request ok or retryable").isEqualTo(requests);
    assertThat(ok).isGreaterThan(requests / 2);
    assertThat(Long.parseLong(m.group(4))).isZero();
    assertThat(Double.parseDouble(m.group(5))).isLessThan(120);
  }

  /** Writes to both: the run's output is kept for the assertions and shown as it happens. */
  private static final class Tee extends Writer {
    private final Writer one;
    private final Writer two;

    Tee(Writer one, Writer two) {
      this.one = one;
      this.two = two;
    }

    @Override
    public void write(char[] buffer, int offset, int length) throws IOException {
      one.write(buffer, offset, length);
      two.write(buffer, offset, length);
    }

    @Override
    public void flush() throws IOException {
      one.flush();
      two.flush();
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
