package io.shardbroker.cli;

import io.shardbroker.harness.Cluster;
import io.shardbroker.harness.ClusterScenarios;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.LocalProcesses;
import io.shardbroker.harness.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster scenarios with every role a separate process started from the product jar the
 * build just made, over real sockets and mutual TLS, in real time; faults are real signals.
 */
@Timeout(180)
class ProcessClusterIT extends ClusterScenarios {

  private static int clusters;

  @Override
  protected Cluster start(ClusterSpec spec) throws Exception {
    return ProcessCluster.start(spec, ProcessCluster.Options.defaults(
        Path.of("target", "it", "process-cluster-" + ++clusters), LocalProcesses.productJar()));
  }

  /** Real processes keep real time: it passes between looks. */
  @Override
  protected void passTime() {}

  @Override
  protected Duration pollInterval() {
    return Duration.ofMillis(200);
  }
}
