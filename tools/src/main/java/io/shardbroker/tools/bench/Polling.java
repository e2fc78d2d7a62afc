package io.shardbroker.tools.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for what signals nothing the benchmark can hear (an agent attached in another process's
 * eyes, a count on a broker's {@code /metrics}) by asking again on the JDK's delay scheduler,
 * never by putting the caller's thread to sleep between tries.
 */
final class Polling {

  private Polling() {}

  /**
   * The first present answer of {@code attempt}, asked at once and then {@code every} after each
   * empty one; empty when none came within {@code atMost}. An exception of {@code attempt} ends
   * the wait: an {@link IOException} is thrown as it is, anything else as unchecked.
   */
  static <T> Optional<T> firstAnswer(Callable<Optional<T>> attempt, Duration every, Duration atMost)
      throws IOException, InterruptedException {
    CompletableFuture<T> answered = new CompletableFuture<>();
    Runnable ask = new Runnable() {
      @Override
      public void run() {
        if (answered.isDone()) {
          return;  // given up on
        }
        try {
          Optional<T> answer = attempt.call();
          if (answer.isPresent()) {
            answered.complete(answer.get());
          } else {
            CompletableFuture.delayedExecutor(every.toMillis(), TimeUnit.MILLISECONDS).execute(this);
          }
        } catch (Exception e) {
          answered.completeExceptionally(e);
        }
      }
    };
    CompletableFuture.runAsync(ask);
    try {
      return Optional.of(answered.get(atMost.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      answered.cancel(false);
      return Optional.empty();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }
}
