package io.shardbroker.broker;

import static io.shardbroker.broker.TestBroker.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shardbroker.broker.TestBroker.Answer;
import io.shardbroker.testing.FakeClock;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A concentrator that paces a large fleet asks for long heartbeat intervals, so its agents take
 * longer to leave it when it hangs: its set may vouch without it only after six of its intervals.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PacedRehomeTest {

  private static final Duration REHOME = Duration.ofSeconds(6);

  @Test
  void aDownMemberBlindsItsSetForSixOfTheIntervalsItLastAskedFor() throws Exception {
    FakeClock clock = new FakeClock();
    FakeConcentrator a1 = new FakeConcentrator("a1", "a");
    FakeConcentrator a2 = new FakeConcentrator("a2", "a");
    FakeConcentrator b1 = new FakeConcentrator("b1", "b");
    FakeConcentrator b2 = new FakeConcentrator("b2", "b");
    // Both pace their agents at 2 s: six intervals are 12 s, longer than the configured 6 s.
    a2.heartbeatIntervalMs = 2_000;
    b2.heartbeatIntervalMs = 2_000;
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TestBroker.TwoSets started = TestBroker.TwoSets.start(a1, a2, b1, b2, clock, meters, REHOME);
    try {
      TestBroker.Api api = new TestBroker.Api("http://127.0.0.1:" + started.broker().port(),
          HttpClient.newHttpClient());
      String user = TestBroker.userAtHome("a");
      clock.runDueTasks();  // the first health poll
      await().atMost(Duration.ofSeconds(10)).until(() -> meters.scrape().lines().anyMatch(line ->
          line.startsWith("shardbroker_broker_concentrators{") && line.contains("\"up\"") && line.endsWith(" 4.0")));
      a1.addVm("vm-1", "desktop", 1);
      a2.unavailable = true;
      b2.unavailable = true;
      assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");

      clock.advance(REHOME.plusSeconds(1));
      // a2 and b2 may still hold VMs, with the user's sessions: neither set can vouch yet.
      assertError(api.openSession(user, "desktop"), 503, "no_set_reachable");

      clock.advance(Duration.ofSeconds(6));  // 13 s down: its agents have left it
      Answer answer = api.openSession(user, "desktop");
      assertThat(answer.status()).as("%s", answer).isEqualTo(201);
      assertThat(answer.text("/vmId")).isEqualTo("vm-1");
    } finally {
      started.broker().close();
      started.store().close();
      for (FakeConcentrator c : List.of(a1, a2, b1, b2)) {
        c.close();
      }
    }
  }
}
