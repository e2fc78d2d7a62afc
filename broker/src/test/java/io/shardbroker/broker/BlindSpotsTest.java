package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.store.Store;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker never starts a second desktop for a user because one set's view has a blind spot: a
 * concentrator down or just restarted, a VM between two concentrators, a start whose answer was
 * lost. Sets: a = {a1, a2}, b = {b1, b2}; every user here has home set a.
 */
@Timeout(30)
class BlindSpotsTest {

  private static final Duration REHOME = Duration.ofSeconds(6);

  private final FakeClock clock = new FakeClock();
  private FakeConcentrator a1;
  private FakeConcentrator a2;
  private FakeConcentrator b1;
  private FakeConcentrator b2;
  private Store store;
  private BrokerServer broker;
  private TestBroker.Api api;
  private String user;

  @BeforeEach
  void start() throws IOException {
    a1 = new FakeConcentrator("a1", "a");
    a2 = new FakeConcentrator("a2", "a");
    b1 = new FakeConcentrator("b1", "b");
    b2 = new FakeConcentrator("b2", "b");
    TestBroker.TwoSets started = TestBroker.TwoSets.start(a1, a2, b1, b2, clock,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), REHOME);
    broker = started.broker();
    store = started.store();
    api = new TestBroker.Api("http://127.0.0.1:" + broker.port(), HttpClient.newHttpClient());
    user = TestBroker.userAtHome("a");
  }

  @AfterEach
  void stop() {
    broker.close();
    store.close();
    for (FakeConcentrator c : List.of(a1, a2, b1, b2)) {
      c.close();
    }
  }

  private List<String> startsTried() {
    return List.of(a1, a2, b1, b2).stream().flatMap(c -> c.startsTried.stream()).toList();
  }

  @Test
  void aSessionOnlyTheOtherSetKnowsIsReconnectedToNotDuplicated() {
    a1.addVm("vm-1", "desktop", 1);
    // vm-9 is between two concentrators of set a: only set b lists it, with the user's session.
    b1.addVm("vm-9", "desktop", 1);
    b1.addSession("vm-9", "s-old", user);

    Answer answer = api.openSession(user, "desktop");

    assertThat(answer.status()).as("%s", answer).isEqualTo(200);
    assertThat(answer.text("/sessionId")).isEqualTo("s-old");
    assertThat(answer.text("/set")).isEqualTo("b");
    assertThat(startsTried()).as("asked only the VM that holds it, for a fresh ticket").containsOnly("vm-9");
  }

  @Test
  void aSessionOnAVmWhoseAgentCannotBeReachedIsNeitherGivenBackNorDuplicated() {
    for (FakeConcentrator c : List.of(a1, b1)) {
      c.addVm("vm-1", "desktop", 1).reachable = false;  // its agent is gone, the session may run
      c.addSession("vm-1", "s-1", user);
    }
    a2.addVm("vm-2", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertError(answer, 503, "desktop_unavailable");
    assertThat(answer.header("Retry-After")).isPresent();
    assertThat(a2.startsTried).as("no second desktop").doesNotContain("vm-2");
  }

  @Test
  void anEndedSessionStillListedWhereItsVmWasIsNotGivenBackWhileTheAgentIsCutOff() {
    // Seen in a chaos run: vm-1 moved from a1 to a2, the session ended there, and then the agent
    // was cut off from both sets. a1 still lists the session from before the move.
    a1.addVm("vm-1", "desktop", 1).reachable = false;
    a1.addSession("vm-1", "s-ended", user);
    a2.addVm("vm-1", "desktop", 1).reachable = false;
    b1.addVm("vm-1", "desktop", 1).reachable = false;
    a2.addVm("vm-2", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertError(answer, 503, "desktop_unavailable");
    assertThat(a2.startsTried).as("no second desktop").doesNotContain("vm-2");
  }

  @Test
  void aStaleUnreachableListingIsCheckedWithTheAgentWhereItIsNow() {
    // vm-1 left a1 without a goodbye; a1 still lists the session that has since ended on a2.
    a1.addVm("vm-1", "desktop", 1).reachable = false;
    a1.addSession("vm-1", "s-ended", user);
    a2.addVm("vm-1", "desktop", 1);
    b1.addVm("vm-1", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/sessionId")).isNotEqualTo("s-ended");
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
  }

  @ParameterizedTest(name = "told by set {0}")
  @ValueSource(strings = {"a", "b"})
  void aStartStillBeingDecidedForTheUserIsWaitedForNotDuplicated(String set) {
    // A broker that died had asked for it; the agent may yet say yes.
    (set.equals("a") ? a2 : b2).startInFlight = true;
    a1.addVm("vm-1", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertError(answer, 409, "request_in_progress");
    assertThat(answer.header("Retry-After")).isPresent();
    assertThat(startsTried()).isEmpty();
  }

  @Test
  void aSetWithADeadMemberPlacesWhenTheOtherSetVouches() {
    a2.unavailable = true;
    a1.addVm("vm-1", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
    assertThat(answer.text("/set")).isEqualTo("a");
  }

  @Test
  void whenNoSetCanVouchNoDesktopIsStarted() {
    a2.unavailable = true;
    b2.warmingUp = true;
    a1.addVm("vm-1", "desktop", 1);
    b1.addVm("vm-1", "desktop", 1);

    Answer answer = api.openSession(user, "desktop");

    assertThat(assertError(answer, 503, "no_set_reachable").path("message").asText())
        .contains("in full");
    assertThat(answer.header("Retry-After")).isPresent();
    assertThat(startsTried()).isEmpty();
  }

  @Test
  void aWarmingUpConcentratorStopsVouchingOnceItIsWarm() {
    a1.warmingUp = true;
    b1.warmingUp = true;
    a1.addVm("vm-1", "desktop", 1);
    assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");

    a1.warmingUp = false;

    Answer answer = api.openSession(user, "desktop");
    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
  }

  @Test
  void aMemberDownLongerThanTheRehomeTimeNoLongerBlindsItsSet() {
    a2.unavailable = true;
    b2.unavailable = true;
    a1.addVm("vm-1", "desktop", 1);
    assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");

    clock.advance(REHOME.plusSeconds(1));  // a2's agents have moved to a1 by now

    Answer answer = api.openSession(user, "desktop");
    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
  }

  @Test
  void noSuchSessionNeedsEverySetToVouch() {
    b2.warmingUp = true;  // it may be the one whose VM, on its way back, runs the session

    assertError(api.endSession(user, "s-nowhere"), 503, "no_set_reachable");

    b2.warmingUp = false;
    assertError(api.endSession(user, "s-nowhere"), 404, "session_not_found");
  }

  @Test
  void aWholeSetDownForLongVouchesForNothing() {
    a1.unavailable = true;
    a2.unavailable = true;
    b2.warmingUp = true;
    b1.addVm("vm-1", "desktop", 1);
    assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");

    clock.advance(REHOME.plusSeconds(1));

    assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");
    assertThat(startsTried()).isEmpty();
  }

  @Test
  void aStartWhoseAnswerWasLostIsAskedAgainThroughTheOtherSet() {
    a1.addVm("vm-1", "shared", 4);
    a1.losesStartAnswers = true;
    b1.addVm("vm-1", "shared", 4);
    a2.addVm("vm-2", "shared", 4);
    a2.addSession("vm-2", "busy", "someone");  // more loaded: vm-1 is tried first

    Answer answer = api.openSession(user, "shared");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
    assertThat(answer.text("/concentrator")).isEqualTo("b1");
    assertThat(a2.startsTried).as("no second VM while the first may have started").doesNotContain("vm-2");
    // The same request, which the agent remembers: it answers as it did, never starts twice.
    assertThat(b1.starts).singleElement().satisfies(retried ->
        assertThat(retried.requestId()).isEqualTo(a1.starts.getFirst().requestId()));
  }

  @Test
  void aStartWhoseAgentStreamEndedMidWayIsAskedAgainWhereTheVmIsNow() {
    a1.addVm("vm-1", "shared", 4);
    a1.losesAgentStreams = true;
    b1.addVm("vm-1", "shared", 4);
    a2.addVm("vm-2", "shared", 4);
    a2.addSession("vm-2", "busy", "someone");

    Answer answer = api.openSession(user, "shared");

    assertThat(answer.status()).as("%s", answer).isEqualTo(201);
    assertThat(answer.text("/vmId")).isEqualTo("vm-1");
    assertThat(a2.startsTried).doesNotContain("vm-2");
    assertThat(b1.starts).singleElement().satisfies(retried ->
        assertThat(retried.requestId()).isEqualTo(a1.starts.getFirst().requestId()));
  }

  @Test
  void aLostStartThatNoOtherSetCanConfirmIsRetryableAndTheRetryFindsTheSession() {
    a1.addVm("vm-1", "shared", 4);
    a1.losesStartAnswers = true;
    a2.addVm("vm-2", "shared", 4);
    a2.addSession("vm-2", "busy", "someone");

    Answer lost = api.openSession(user, "shared");

    assertError(lost, 503, "start_uncertain");
    assertThat(lost.header("Retry-After")).isPresent();
    assertThat(a2.startsTried).doesNotContain("vm-2");

    a1.losesStartAnswers = false;  // the concentrator is back; the agent had said yes
    clock.advance(Duration.ofSeconds(2));  // the next health check finds it up
    await().atMost(Duration.ofSeconds(5)).until(() ->
        broker.directory().set("a").members().getFirst().health == ConcentratorDirectory.Health.UP);
    Answer retry = api.openSession(user, "shared");
    assertThat(retry.status()).as("%s", retry).isEqualTo(200);
    assertThat(retry.text("/vmId")).isEqualTo("vm-1");
    assertThat(a1.sessionsOn("vm-1")).isEqualTo(1);
  }
}
