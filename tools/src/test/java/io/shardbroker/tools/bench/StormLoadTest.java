package io.shardbroker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against a small HTTP server that plays the broker. */
@Timeout(60)
class StormLoadTest {

  private HttpServer server;
  private final Set<String> users = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private URI serve(Function<HttpExchange, Integer> answer) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/api/v1/sessions", exchange -> {
      exchange.getRequestBody().readAllBytes();
      users.add(exchange.getRequestHeaders().getFirst("Authorization"));
      int status = answer.apply(exchange);
      byte[] body = (status == 503
          ? "{\"error\": \"pool_exhausted\", \"message\": \"no desktop is free\"}"
          : "{\"sessionId\": \"s\"}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static StormLoad.Plan plan(URI target, int requests, double rate, int concurrency) {
    return new StormLoad.Plan(target, "desktop", 1, requests, rate, concurrency, Duration.ofSeconds(20));
  }

  @Test
  void everyUserAsksOnceAndEveryAnswerIsCounted() throws Exception {
    URI target = serve(exchange -> 201);

    LoadResult result = new StormLoad(plan(target, 300, 0, 8)).run();

    assertThat(result.sessions()).isEqualTo(300);
    assertThat(result.failures()).isZero();
    assertThat(users).as("distinct users").hasSize(300);
    assertThat(result.latencyMs().p50()).isPositive();
    assertThat(result.latencyMs().max()).isGreaterThanOrEqualTo(result.latencyMs().p99());
    assertThat(result.histogram()).isNotBlank();
  }

  @Test
  void refusalsAreCountedByStatusAndErrorCode() throws Exception {
    URI target = serve(exchange -> exchange.getRequestHeaders().getFirst("Authorization").hashCode() % 2 == 0
        ? 201 : 503);

    LoadResult result = new StormLoad(plan(target, 100, 0, 4)).run();

    assertThat(result.sessions() + result.failures()).isEqualTo(100);
    assertThat(result.failed()).containsOnlyKeys("503 pool_exhausted");
  }

  @Test
  void openLoopTimesEachRequestFromWhenItWasDueNotFromWhenItWasSent() throws Exception {
    // The server holds every answer until the last request has arrived: the first request, due at
    // once, cannot be answered before the last one is due, 49 intervals of 10 ms later.
    CountDownLatch allArrived = new CountDownLatch(50);
    URI target = serve(exchange -> {
      allArrived.countDown();
      try {
        allArrived.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 201;
    });

    LoadResult result = new StormLoad(plan(target, 50, 100, 0)).run();

    assertThat(result.sessions()).isEqualTo(50);
    assertThat(result.latencyMs().max()).isGreaterThanOrEqualTo(480);
    assertThat(result.mode()).isEqualTo("open");
    assertThat(result.offered()).isEqualTo(100);
  }

  @Test
  void anErrorCodeIsReadFromAJsonBody() {
    assertThat(StormLoad.errorCode("{\"error\": \"no_set_reachable\", \"message\": \"x\"}"))
        .isEqualTo("no_set_reachable");
    assertThat(StormLoad.errorCode("<html>bad gateway</html>")).isEmpty();
    assertThat(StormLoad.errorCode(null)).isEmpty();
  }
}
