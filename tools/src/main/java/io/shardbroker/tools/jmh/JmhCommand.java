package io.shardbroker.tools.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.Main;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "jmh",
    mixinStandardHelpOptions = true,
    header = "Runs the JMH microbenchmarks of a concentrator's hot paths.",
    description = {
        "Runs JMH over this jar's benchmarks (io.shardbroker.tools.jmh), with JMH's own options after '--', e.g. "
            + "'bench jmh -- ConcentratorBench -p vms=100000 -f 1'. Without options it runs them all with their "
            + "defaults (a few minutes). 'bench jmh -- -h' lists JMH's options."
    })
public final class JmhCommand implements Callable<Integer> {

  @Parameters(paramLabel = "JMH_OPTION", arity = "0..*", description = "Options and benchmark patterns for JMH.")
  List<String> options = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Main.main(options.toArray(String[]::new));
    return 0;
  }
}
