package io.shardbroker.cli;

import io.shardbroker.cli.admin.AdminCommand;
import io.shardbroker.cli.config.ConfigFiles.ConfigException;
import io.shardbroker.store.StoreException;
import java.net.BindException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code shardbroker} command: one entry point for every role. */
@Command(
    name = "shardbroker",
    mixinStandardHelpOptions = true,
    versionProvider = ShardbrokerCommand.Version.class,
    description = {
        "Brokers remote-desktop sessions over sets of agent concentrators (US patent 10,469,593).",
        "",
        "Start with 'shardbroker demo'; run the roles as separate processes with the commands below.",
        "Every command takes --help."
    },
    footer = {
        "",
        "From a checkout, ./shardbroker also runs the tools (their own jar, built on first use):",
        "  bench   benchmarks: a logon storm against shardbroker and its baselines, and more",
        "  chaos   a cluster under load and faults, checked to stay right"
    },
    subcommands = {
        DemoCommand.class,
        BrokerCommand.class,
        ConcentratorCommand.class,
        AgentCommand.class,
        SimCommand.class,
        AdminCommand.class,
        CertsCommand.class,
        CommandLine.HelpCommand.class
    })
public final class ShardbrokerCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    Logging.install();
    System.exit(commandLine().execute(args));
  }

  /** The command line with shardbroker's error handling. */
  public static CommandLine commandLine() {
    return new CommandLine(new ShardbrokerCommand())
        .setExecutionExceptionHandler(ShardbrokerCommand::failed);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * How every shardbroker command line (this one, and the tools') answers a failure: bad
   * configuration is the user's to fix, so it says what is wrong without a stack trace.
   */
  public static int failed(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
      cli.getErr().println(cli.getCommandName() + ": " + e.getMessage());
      cli.getErr().println("See '" + cli.getCommandSpec().qualifiedName() + " --help'.");
      return 2;
    }
    if (e instanceof StoreException) {
      // A migration that failed or a database that cannot be reached: the message says which.
      cli.getErr().println(cli.getCommandName() + ": cannot open the store: " + e.getMessage());
      return 1;
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      // Jetty throws BindException; Netty's native transport its own error, with the OS's words.
      if (cause instanceof BindException || String.valueOf(cause.getMessage()).contains("Address already in use")) {
        cli.getErr().println(cli.getCommandName() + ": cannot listen: " + e.getMessage()
            + " (another process has the port; choose another with the command's port option)");
        return 2;
      }
    }
    LoggerFactory.getLogger(ShardbrokerCommand.class).error("{} failed", cli.getCommandName(), e);
    return 1;
  }

  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ShardbrokerCommand.class.getPackage().getImplementationVersion();
      return new String[] {"shardbroker " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
