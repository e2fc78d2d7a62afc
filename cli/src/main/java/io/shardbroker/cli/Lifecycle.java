package io.shardbroker.cli;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a role until the process is asked to stop (Ctrl-C, SIGTERM), then closes it cleanly. */
public final class Lifecycle {

  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  private Lifecycle() {}

  /** Blocks until shutdown; closes {@code resources} in the order given. */
  public static int runUntilStopped(String what, List<? extends AutoCloseable> resources) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping {}", what);
      closeAll(resources);
      stopped.countDown();
    }, "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * Waits until {@code done} holds, calling {@code progress} every 2 seconds meanwhile so a long
   * start never looks hung. Polls: what it waits for (agents attaching elsewhere) signals nothing.
   */
  static void awaitCondition(BooleanSupplier done, Runnable progress) throws InterruptedException {
    long nextReport = System.nanoTime() + 2_000_000_000L;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() >= nextReport) {
        progress.run();
        nextReport += 2_000_000_000L;
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  static void closeAll(List<? extends AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
  }
}
