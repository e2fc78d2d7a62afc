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
 * {@code shardbroker chaos}, shortened to a minute: 2 brokers, 2 sets x 3 concentrators, 400
 * simulated VMs and 2 real agents as separate processes, 400 users asking for, reconnecting to
 * and ending sessions while concentrators, a broker, agent streams, a whole set and the real
 * agents fail and come back. The command judges the run itself, against the desktops' own record;
 * this test holds it to its last line, and to real agents that took sessions and were killed.
 *
 * <p>400 VMs, not more: 320 single-user desktops for 400 users, of whom about 2 in 3 hold one,
 * keep few of them free, so the storm's starts land on the 2 real agents' VMs too, and an agent
 * killed is likely to leave a user's session on its VM.
 */
@Timeout(300)
class ChaosIT {

  private static final Pattern LAST_LINE = Pattern.compile(
      "chaos: (\\d+) requests, (\\d+) ok, (\\d+) retryable, (\\d+) double assignments, converged in ([0-9.]+) s");
  private static final Pattern REAL_AGENTS = Pattern.compile(
      "chaos: real agents: (\\d+) VMs started (\\d+) session\\(s\\) .*; (\\d+) agent crashes .*");

  @Test
  void aMinuteOfFaultsUnderLoadLeavesNoDoubleAssignmentNoFailedRequestAndOneTruth() {
    StringWriter captured = new StringWriter();
    CommandLine cli = ToolsCommand.commandLine();
    cli.setOut(new PrintWriter(new Tee(captured, new PrintWriter(System.out, true)), true));

    int exitCode = cli.execute("chaos", "--duration", "60s", "--vms", "400", "--real-agents", "2",
        "--users", "400", "--rate", "30", "--work-dir", "target/it/chaos");

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
    Matcher real = lines.stream().map(REAL_AGENTS::matcher).filter(Matcher::matches).findFirst()
        .orElseThrow(() -> new AssertionError("no line on the real agents in:\n" + captured));
    assertThat(Integer.parseInt(real.group(1))).isEqualTo(2);
    assertThat(Integer.parseInt(real.group(2))).as("sessions the real agents' VMs started").isPositive();
    assertThat(Integer.parseInt(real.group(3))).as("real agents killed and restarted").isPositive();
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
