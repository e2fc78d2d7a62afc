package io.shardbroker.tools.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.tools.chaos.Outcomes.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A steady storm of session requests from many users, as the brokers' clients would send them.
 *
 * <p>Each user is a virtual thread that acts, then pauses for an exponentially distributed time
 * (so all users together make a Poisson stream at the given rate), and never has two requests in
 * flight. An action picks a pool (mostly {@code desktop}) and, when the user holds no session
 * there, asks for one; otherwise it asks again (a reconnect, which must give back the same
 * session) or logs off (DELETE). After an answer that says to retry later, the user waits at
 * least its {@code Retry-After}.
 *
 * <p>Brokers are reached as through a load balancer with session affinity: each user has a home
 * broker (a hash of the name). A connection that fails marks that broker down for a second, and
 * the request goes to the other broker at once; meanwhile that user's requests go there too. A
 * failed connection counts as retryable only when the broker was in fact down (killed, or not
 * ready again yet) during the request; otherwise it is an error.
 *
 * <p>Every answer is also checked against what the user should get: a reconnect gives back the
 * session the user holds; a new session is never given while the user holds one in the pool; a
 * session the user ended does not come back. A wrong answer counts as an error.
 */
final class StormDriver {

  private static final double DESKTOP_SHARE = 0.7;
  private static final double RECONNECT_SHARE = 0.5;
  private static final long FAILOVER_HOLD_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** A user's session in a pool that may or may not exist (after a failed or unanswered request). */
  private static final String UNKNOWN = "?";

  private final ChaosCluster cluster;
  private final List<URI> brokers;
  private final int users;
  private final double rate;
  private final long seed;
  private final Outcomes outcomes;
  private final Duration clientTimeout;
  private final HttpClient http;
  private final AtomicLongArray downUntil;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final List<Thread> threads = new ArrayList<>();

  /**
   * @param rate requests per second of all users together
   * @param requestTimeout the brokers' bound; a request unanswered 5 s past it counts as hung
   */
  StormDriver(ChaosCluster cluster, int users, double rate, Duration requestTimeout, long seed,
      Outcomes outcomes) {
    this.cluster = cluster;
    this.brokers = cluster.brokers();
    this.users = users;
    this.rate = rate;
    this.seed = seed;
    this.outcomes = outcomes;
    this.clientTimeout = requestTimeout.plusSeconds(5);
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
    this.downUntil = new AtomicLongArray(brokers.size());
    for (int i = 0; i < brokers.size(); i++) {
      downUntil.set(i, System.nanoTime());  // up; nanoTime may be negative, so not 0
    }
  }

  void start() {
    for (int i = 1; i <= users; i++) {
      int index = i;
      threads.add(Thread.ofVirtual().name("user-" + i).start(() -> runUser(index)));
    }
  }

  /** Stops the storm: no new requests; waits for those in flight (each ends by the client timeout). */
  void stop() throws InterruptedException {
    stopping.countDown();
    long giveUp = System.nanoTime() + clientTimeout.plusSeconds(10).toNanos();
    for (Thread t : threads) {
      t.join(Duration.ofNanos(Math.max(1, giveUp - System.nanoTime())));
    }
  }

  private void runUser(int index) {
    String user = ChaosCluster.user(index);
    Random random = new Random(seed * 1_000_003L + index);
    Map<String, String> held = new HashMap<>();  // pool -> session id, UNKNOWN, or absent: none
    double meanPauseSeconds = users / rate;
    try {
      long pauseMillis = pause(random, meanPauseSeconds);
      while (!stopping.await(pauseMillis, TimeUnit.MILLISECONDS)) {
        String pool = random.nextDouble() < DESKTOP_SHARE
            ? ChaosCluster.DESKTOP_POOL : ChaosCluster.SHARED_POOL;
        String session = held.get(pool);
        long retryAfter = session != null && !session.equals(UNKNOWN) && random.nextDouble() >= RECONNECT_SHARE
            ? end(user, pool, session, held)
            : open(user, pool, session, held);
        pauseMillis = Math.max(pause(random, meanPauseSeconds), retryAfter);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      outcomes.record(Kind.ERROR, "storm user failed", 0, user + ": " + e);
    }
  }

  private static long pause(Random random, double meanSeconds) {
    return (long) (-Math.log(1 - random.nextDouble()) * meanSeconds * 1000);
  }

  /** Asks for a session (new, or the one held); returns the Retry-After in ms, or 0. */
  private long open(String user, String pool, String session, Map<String, String> held)
      throws InterruptedException {
    Reply reply = send(user, "POST", "/api/v1/sessions", "{\"pool\": \"" + pool + "\"}");
    if (reply == null) {
      held.put(pool, UNKNOWN);
      return 0;
    }
    if (reply.failedOver) {
      session = UNKNOWN;  // the first broker may have started one before it died
    }
    int status = reply.response.statusCode();
    if (status == 200 || status == 201) {
      String got = body(reply).path("sessionId").asText("");
      String wrong = null;
      if (got.isEmpty()) {
        wrong = "no sessionId in the answer";
      } else if (status == 201 && session != null && !session.equals(UNKNOWN)) {
        wrong = "a new session " + got + " while the user holds " + session + " in " + pool;
      } else if (status == 200 && session == null) {
        wrong = "reconnected to " + got + ", but the user holds no session in " + pool;
      } else if (status == 200 && !session.equals(UNKNOWN) && !session.equals(got)) {
        wrong = "reconnected to " + got + ", but the user holds " + session + " in " + pool;
      }
      held.put(pool, wrong == null ? got : UNKNOWN);
      settle(reply, user, wrong);
      return 0;
    }
    held.put(pool, UNKNOWN);  // a refused start may still have been accepted by the agent
    return settle(reply, user, null);
  }

  /** Logs a session off; returns the Retry-After in ms, or 0. */
  private long end(String user, String pool, String session, Map<String, String> held)
      throws InterruptedException {
    Reply reply = send(user, "DELETE", "/api/v1/sessions/" + session, null);
    if (reply != null && reply.response.statusCode() == 204) {
      held.remove(pool);
    } else {
      held.put(pool, UNKNOWN);  // a failed end may have ended it all the same
    }
    return reply == null ? 0 : settle(reply, user, null);
  }

  /** An answer, where it came from, and whether another broker failed to answer first. */
  private record Reply(HttpResponse<String> response, int broker, long latencyNanos, boolean failedOver) {}

  /**
   * Sends the request to the user's broker, and to the other one when the first cannot be
   * connected to. Null when no answer came; that outcome is already counted.
   */
  private Reply send(String user, String method, String path, String json) throws InterruptedException {
    int home = Math.floorMod(user.hashCode(), brokers.size());
    int broker = pick(home);
    for (int attempt = 0; attempt < brokers.size(); attempt++, broker = (broker + 1) % brokers.size()) {
      HttpRequest.Builder builder = HttpRequest.newBuilder(brokers.get(broker).resolve(path))
          .timeout(clientTimeout)
          .header("Authorization", JsonHttp.basic(user, ChaosCluster.password(user)));
      if (json != null) {
        builder.header("Content-Type", "application/json");
      }
      HttpRequest request = builder.method(method, json == null
          ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build();
      long began = System.nanoTime();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response, broker, System.nanoTime() - began, attempt > 0);
      } catch (HttpTimeoutException e) {
        if (!(e instanceof HttpConnectTimeoutException)) {
          outcomes.record(Kind.ERROR, request.method() + " hung", System.nanoTime() - began,
              user + " via " + ChaosCluster.brokerName(broker) + ": no answer in "
                  + clientTimeout.toSeconds() + " s to " + request.method() + " " + request.uri().getPath());
          return null;
        }
        if (!failedOver(user, request, broker, began, e)) {
          return null;
        }
      } catch (IOException e) {
        if (!failedOver(user, request, broker, began, e)) {
          return null;
        }
      }
    }
    return null;
  }

  /** A connection failed: counts it, marks the broker down; true when the other broker should be tried. */
  private boolean failedOver(String user, HttpRequest request, int broker, long began, IOException e) {
    long now = System.nanoTime();
    downUntil.set(broker, now + FAILOVER_HOLD_NANOS);
    String name = ChaosCluster.brokerName(broker);
    if (cluster.brokerWasDown(broker, began, now)) {
      outcomes.record(Kind.RETRYABLE, request.method() + " connection failed, " + name + " down",
          now - began, user + ": " + request.method() + " " + request.uri().getPath() + ": " + e);
      return true;
    }
    outcomes.record(Kind.ERROR, request.method() + " connection failed", now - began,
        user + " via " + name + " (not down): " + request.method() + " " + request.uri().getPath()
            + ": " + e);
    return false;
  }

  /** The user's broker, or the other one while the user's is marked down. */
  private int pick(int home) {
    long now = System.nanoTime();
    for (int i = 0; i < brokers.size(); i++) {
      int b = (home + i) % brokers.size();
      if (now - downUntil.get(b) >= 0) {
        return b;
      }
    }
    return home;
  }

  /**
   * Counts an answer: {@code wrong} (a 2xx with the wrong content) and any status other than
   * 2xx, or 503/409 with Retry-After, are errors. Returns the Retry-After in ms, or 0.
   */
  private long settle(Reply reply, String user, String wrong) {
    HttpResponse<String> r = reply.response;
    int status = r.statusCode();
    String code = status / 100 == 2 ? "" : " " + body(reply).path("error").asText("?");
    String what = r.request().method() + " " + status + code;
    long retryAfter = r.headers().firstValue("Retry-After").map(StormDriver::seconds).orElse(-1L);
    Kind kind;
    if (status / 100 == 2) {
      kind = wrong == null ? Kind.OK : Kind.ERROR;
      what = wrong == null ? what : what + " with the wrong session";
    } else if ((status == 503 || status == 409) && retryAfter >= 0) {
      kind = Kind.RETRYABLE;
    } else {
      kind = Kind.ERROR;
    }
    String detail = kind == Kind.OK ? null : user + " via " + ChaosCluster.brokerName(reply.broker)
        + " [" + r.headers().firstValue("X-Request-Id").orElse("-") + "] " + r.request().method()
        + " " + r.uri().getPath() + " -> " + status + " " + JsonHttp.abbreviate(r.body())
        + (wrong == null ? "" : ": " + wrong);
    outcomes.record(kind, what, reply.latencyNanos, detail);
    return kind == Kind.RETRYABLE ? TimeUnit.SECONDS.toMillis(retryAfter) : 0;
  }

  private static long seconds(String header) {
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static JsonNode body(Reply reply) {
    String text = reply.response.body();
    if (text == null || text.isEmpty()) {
      return JsonHttp.JSON.missingNode();
    }
    try {
      return JsonHttp.JSON.readTree(text);
    } catch (IOException e) {
      return JsonHttp.JSON.missingNode();
    }
  }
}
