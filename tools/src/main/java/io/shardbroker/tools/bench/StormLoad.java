package io.shardbroker.tools.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A logon storm against one broker's HTTP API: users who have no desktop yet each ask for one
 * ({@code POST /api/v1/sessions}), once, and the answers are timed.
 *
 * <p>Open loop ({@link Plan#rate} > 0): request i is due at {@code start + i / rate}, whether or not
 * earlier ones have been answered, as users do not wait for each other; its latency counts from
 * when it was due, not from when it could be sent, so a system that falls behind shows the wait
 * its users would see (no coordinated omission). Closed loop ({@link Plan#concurrency} > 0): that
 * many users ask one after another as fast as answers come, which measures the most the system
 * can broker.
 *
 * <p>Each request runs on its own virtual thread. Latencies go to an HdrHistogram in microseconds,
 * up to {@link #HIGHEST_MICROS}; a request not answered within the plan's timeout counts as failed.
 */
final class StormLoad {

  static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(2);

  /**
   * @param target the broker's base URL
   * @param firstUser index of the first user to sign in as; request i uses user {@code firstUser + i}
   * @param requests how many users ask
   * @param rate requests per second, open loop; 0 for closed loop
   * @param concurrency users asking at once, closed loop; 0 for open loop
   */
  record Plan(URI target, String pool, int firstUser, int requests, double rate, int concurrency,
      Duration timeout) {

    Plan {
      if ((rate > 0) == (concurrency > 0)) {
        throw new IllegalArgumentException("give either a rate (open loop) or a concurrency (closed loop)");
      }
      if (requests < 1) {
        throw new IllegalArgumentException("requests must be at least 1, got " + requests);
      }
    }

    boolean openLoop() {
      return rate > 0;
    }
  }

  private final Plan plan;
  private final HttpClient http;
  private final Recorder latencies = new Recorder(HIGHEST_MICROS, 3);
  private final LongAdder started = new LongAdder();
  private final LongAdder reconnected = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final AtomicLong lastAnswerNanos = new AtomicLong();

  StormLoad(Plan plan) {
    this.plan = plan;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** User {@code i}'s name in the benchmark's directory. */
  static String user(int i) {
    return String.format(Locale.ROOT, "s%06d", i);
  }

  static String password(String user) {
    return "pw-" + user;
  }

  /** Runs the plan to the end (every request answered or timed out) and says what came of it. */
  LoadResult run() throws InterruptedException {
    long began = System.nanoTime();
    if (plan.openLoop()) {
      runOpen(began);
    } else {
      runClosed();
    }
    long ended = Math.max(lastAnswerNanos.get(), began + 1);
    Histogram histogram = latencies.getIntervalHistogram();
    Map<String, Long> failed = new TreeMap<>();
    failures.forEach((k, v) -> failed.put(k, v.sum()));
    return LoadResult.of(plan, started.sum(), reconnected.sum(), failed,
        (ended - began) / 1e9, histogram);
  }

  private void runOpen(long began) throws InterruptedException {
    double intervalNanos = 1e9 / plan.rate();
    CountDownLatch done = new CountDownLatch(plan.requests());
    for (int i = 0; i < plan.requests(); i++) {
      long due = began + (long) (i * intervalNanos);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      int userIndex = plan.firstUser() + i;
      Thread.ofVirtual().start(() -> {
        try {
          ask(userIndex, due);
        } finally {
          done.countDown();
        }
      });
    }
    awaitAll(done);
  }

  private void runClosed() throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(plan.concurrency());
    for (int c = 0; c < plan.concurrency(); c++) {
      Thread.ofVirtual().start(() -> {
        try {
          for (int i = next.getAndIncrement(); i < plan.requests(); i = next.getAndIncrement()) {
            ask(plan.firstUser() + i, System.nanoTime());
          }
        } finally {
          done.countDown();
        }
      });
    }
    awaitAll(done);
  }

  /**
   * Waits for the last answer. Every request ends by its own timeout, so the bound is what the
   * plan may take if every request used it up, plus slack for a client that misses one.
   */
  private void awaitAll(CountDownLatch done) throws InterruptedException {
    long timeoutSeconds = plan.timeout().toSeconds();
    long bound = plan.openLoop()
        ? (long) (plan.requests() / plan.rate()) + timeoutSeconds + 30
        : ((long) plan.requests() / plan.concurrency() + 1) * timeoutSeconds + 30;
    if (!done.await(bound, TimeUnit.SECONDS)) {
      throw new IllegalStateException(done.getCount() + " requests neither answered nor timed out");
    }
  }

  /** One user's request, timed from {@code dueNanos}. */
  private void ask(int userIndex, long dueNanos) {
    String user = user(userIndex);
    HttpRequest request = HttpRequest.newBuilder(plan.target().resolve("/api/v1/sessions"))
        .timeout(plan.timeout())
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (user + ":" + password(user)).getBytes(StandardCharsets.UTF_8)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"pool\":\"" + plan.pool() + "\"}"))
        .build();
    String failure;
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      failure = switch (status) {
        case 201 -> null;
        case 200 -> {
          reconnected.increment();
          yield null;
        }
        default -> status + " " + errorCode(response.body());
      };
    } catch (HttpTimeoutException e) {
      failure = "timed out";
    } catch (IOException e) {
      failure = "connection failed";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    }
    long now = System.nanoTime();
    lastAnswerNanos.accumulateAndGet(now, Math::max);
    if (failure == null) {
      started.increment();
      latencies.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, (now - dueNanos) / 1_000)));
    } else {
      failures.computeIfAbsent(failure, k -> new LongAdder()).increment();
    }
  }

  /** The {@code error} field of a JSON error body, without a JSON parser on the hot path. */
  static String errorCode(String body) {
    int key = body == null ? -1 : body.indexOf("\"error\"");
    if (key < 0) {
      return "";
    }
    int open = body.indexOf('"', body.indexOf(':', key) + 1);
    int close = open < 0 ? -1 : body.indexOf('"', open + 1);
    return close < 0 ? "" : body.substring(open + 1, close);
  }
}
