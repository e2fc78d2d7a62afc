package io.shardbroker.tools;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of the tools' command line in this JVM: its exit code and what it printed. */
public record ToolsRun(int exitCode, String out, String err) {

  public static ToolsRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = ToolsCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new ToolsRun(code, out.toString(), err.toString());
  }
}
