package io.shardbroker.tools;

import io.shardbroker.cli.Logging;
import io.shardbroker.cli.ShardbrokerCommand;
import io.shardbroker.tools.bench.BenchCommand;
import io.shardbroker.tools.chaos.ChaosCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The tools' command line: what {@code ./shardbroker bench} and {@code ./shardbroker chaos} run,
 * from the tools' own jar, so that the product jar carries no benchmark, no chaos run and no
 * PostgreSQL of its own. The roles they start come from the product jar.
 */
@Command(
    name = "shardbroker",
    mixinStandardHelpOptions = true,
    versionProvider = ShardbrokerCommand.Version.class,
    description = {
        "shardbroker's tools: benchmarks and the chaos run. They start the roles from the product jar "
            + "(-Dshardbroker.jar, which ./shardbroker sets).",
        "Every command takes --help."
    },
    subcommands = {
        BenchCommand.class,
        ChaosCommand.class,
        CommandLine.HelpCommand.class
    })
public final class ToolsCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Logging.install();
    System.exit(commandLine().execute(args));
  }

  /** The command line with shardbroker's error handling. */
  public static CommandLine commandLine() {
    return new CommandLine(new ToolsCommand()).setExecutionExceptionHandler(ShardbrokerCommand::failed);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
