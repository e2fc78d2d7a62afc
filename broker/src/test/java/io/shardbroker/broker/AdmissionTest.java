package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.PASSWORD;
import static io.shardbroker.broker.TestBroker.assertError;
import static io.shardbroker.broker.TestBroker.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.broker.TestBroker.Api;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A broker past its admission bounds answers at once, gives every place back, and past its connection bound waits to accept. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdmissionTest {

  private TestBroker broker;
  /** A broker that brokers one session request at a time and lets none wait. */
  private Api single;

  @BeforeEach
  void start() throws Exception {
    broker = TestBroker.start();
    single = broker.startBroker("single", broker.store,
        settings -> settings.withAdmission(new Admission(1, 0, Duration.ZERO, 10)));
    for (int i = 1; i <= 4; i++) {
      broker.a1.addVm("vm-" + i, "desktop", 1);
    }
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void aRequestPastTheBoundsIsAnsweredOverloadedAtOnceAndTheAdmittedOneGoesOn() {
    broker.a1.holdFinds(2);  // alice's search waits for a second one, which never comes through
    CompletableFuture<Answer> alice = single.sendAsync("alice", PASSWORD, "POST", "/api/v1/sessions",
        json("pool", "desktop"), null);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> broker.a1.findsHeld() == 1);

    Answer bob = single.send("bob", PASSWORD, "POST", "/api/v1/sessions", json("pool", "desktop"), null);

    assertError(bob, 503, "overloaded");
    assertThat(bob.header("Retry-After")).isPresent();
    // Dave, through the test's other broker, makes the second search that lets alice's go on.
    broker.api.send("dave", PASSWORD, "POST", "/api/v1/sessions", json("pool", "desktop"), null);
    assertThat(alice.join().body()).as("admitted before: brokered, whatever the outcome")
        .doesNotContain("overloaded");
    assertThat(single.send("bob", PASSWORD, "POST", "/api/v1/sessions", json("pool", "desktop"), null)
        .status()).as("the place is back").isEqualTo(201);
  }

  @Test
  void refusedAndFailedRequestsGiveTheirPlaceBack() {
    assertError(single.send("carol", "wrong", "POST", "/api/v1/sessions", json("pool", "desktop"), null),
        401, "unauthorized");
    assertError(single.send("carol", PASSWORD, "POST", "/api/v1/sessions", "{", null), 400, "bad_request");
    assertError(single.send("carol", PASSWORD, "POST", "/api/v1/sessions", json("pool", "nope"), null),
        403, "not_entitled");

    assertThat(single.send("carol", PASSWORD, "POST", "/api/v1/sessions", json("pool", "desktop"), null)
        .status()).isEqualTo(201);
  }

  @Test
  void pastItsConnectionBoundTheBrokerAcceptsOnlyWhenAConnectionCloses() throws Exception {
    // "single" takes 10 connections: 10 open ones each get their answer, the 11th waits
    URI uri = URI.create(single.base);
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        open.add(socket);
        assertThat(healthz(socket)).startsWith("HTTP/1.1 200");
      }
      try (Socket waiting = new Socket(uri.getHost(), uri.getPort())) {  // in the accept queue
        waiting.setSoTimeout(300);
        waiting.getOutputStream().write(HEALTHZ);
        assertThatThrownBy(() -> waiting.getInputStream().read()).as("an answer past the bound")
            .isInstanceOf(SocketTimeoutException.class);

        open.remove(0).close();
        waiting.setSoTimeout(10_000);
        assertThat(new String(waiting.getInputStream().readNBytes(15), StandardCharsets.US_ASCII))
            .isEqualTo("HTTP/1.1 200 OK");
      }
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
    }
  }

  private static final byte[] HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: broker\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Asks on a kept-alive connection; the answer's first line. */
  private static String healthz(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(HEALTHZ);
    byte[] head = new byte[512];
    int n = socket.getInputStream().read(head);
    return new String(head, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
  }

  @Test
  void boundsBelowOneOrANegativeWaitAreRefusedWithTheirValue() {
    assertThatThrownBy(() -> new Admission(0, 10, Duration.ZERO, 100))
        .hasMessage("admission in-flight must be at least 1, got 0");
    assertThatThrownBy(() -> new Admission(1, -1, Duration.ZERO, 10))
        .hasMessage("admission queued must be 0 or more, got -1");
    assertThatThrownBy(() -> new Admission(1, 0, Duration.ofSeconds(-1), 10))
        .hasMessage("admission max wait must be zero or positive, got PT-1S");
    assertThatThrownBy(() -> new Admission(8, 8, Duration.ZERO, 16))
        .hasMessage("admission connections must be more than in-flight and queued requests together (16), got 16");
  }
}
