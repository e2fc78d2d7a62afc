package io.shardbroker.cli;

import io.shardbroker.cli.config.ConfigFiles;
import io.shardbroker.cli.config.TopologyConfig;
import io.shardbroker.protocol.v1.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a topology file and hands each new version to a role, so that an operator adds or
 * removes concentrators and sets by editing the file (and raising its version) instead of
 * restarting anything. A file that does not parse is reported and ignored; the role keeps the
 * topology it has.
 */
final class TopologyFileWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TopologyFileWatcher.class);
  static final Duration INTERVAL = Duration.ofSeconds(2);

  private final Path file;
  private final Predicate<Topology> apply;
  private final ScheduledFuture<?> polling;
  private String lastSeen;

  /** @param apply takes a parsed topology; returns whether it was newer and taken */
  TopologyFileWatcher(Path file, ScheduledExecutorService scheduler, Predicate<Topology> apply) {
    this.file = file;
    this.apply = apply;
    this.lastSeen = read();
    this.polling = scheduler.scheduleWithFixedDelay(this::poll, INTERVAL.toMillis(),
        INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Looks at the file once: a changed one is parsed and offered. */
  synchronized void poll() {
    String text = read();
    if (text == null || text.equals(lastSeen)) {
      return;
    }
    lastSeen = text;
    try {
      Topology topology = ConfigFiles.read(file, TopologyConfig.class).toProto();
      if (apply.test(topology)) {
        log.info("topology file {}: version {} applied", file, topology.getVersion());
      } else {
        log.warn("topology file {} changed but its version {} is not newer than the one in use; "
            + "raise 'version' to apply it", file, topology.getVersion());
      }
    } catch (RuntimeException e) {
      log.warn("topology file {} changed but cannot be used, keeping the current topology: {}",
          file, e.getMessage());
    }
  }

  private String read() {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      log.warn("cannot read the topology file {}: {}", file, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    polling.cancel(false);
  }
}
