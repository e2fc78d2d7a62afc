package io.shardbroker.tools.bench;

import io.shardbroker.tools.jmh.JmhCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Benchmarks: a logon storm against shardbroker and its baselines, and the display path.",
    description = {
        "'bench storm' measures the whole system under a logon storm, side by side with the designs people "
            + "use instead; 'bench load' is its load generator, to drive a broker by hand. 'bench choice' "
            + "compares asking every concentrator of a set for free VMs with asking a sample of them, as the set "
            + "grows. 'bench display' measures the display path (broker gateway and agent relay) against a direct "
            + "connection to the display, and the broker's heap per open display. 'bench jmh' runs JMH "
            + "microbenchmarks of a concentrator's hot paths."
    },
    subcommands = {
        StormCommand.class,
        ChoiceCommand.class,
        DisplayCommand.class,
        LoadCommand.class,
        CentralDbBrokerCommand.class,
        CentralDbFleetCommand.class,
        JmhCommand.class,
        CommandLine.HelpCommand.class
    })
public final class BenchCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
