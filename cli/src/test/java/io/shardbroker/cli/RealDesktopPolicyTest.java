package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.ApiClient;
import io.shardbroker.harness.ClusterSpec;
import io.shardbroker.harness.InProcessCluster;
import io.shardbroker.harness.InProcessLinks;
import io.shardbroker.store.Group;
import io.shardbroker.store.Pool;
import io.shardbroker.store.Seed;
import io.shardbroker.store.User;
import io.shardbroker.testing.FakeClock;
import io.shardbroker.testing.InstalledTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool's disconnected limit on a real desktop, with every role's time on one manual clock: a
 * session nobody views is logged off by its agent once the limit has passed, not a second
 * before, and the history says why.
 */
@Timeout(120)
class RealDesktopPolicyTest {

  private static final Duration LIMIT = Duration.ofMinutes(10);
  private static final String PASSWORD = "policy-pass";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private InProcessCluster cluster;
  private ApiClient api;

  @BeforeEach
  void start() throws Exception {
    InstalledTools.requireXvnc();
    Pool linux = new Pool("linux", "Linux", Pool.Kind.FLOATING, Pool.SessionMode.SINGLE, "vnc", true,
        new Pool.LogoffPolicy(null, LIMIT));
    Seed seed = new Seed(List.of(linux), List.of(new Group("staff", "", List.of()), new Group(Group.ADMINS, "", List.of())),
        List.of(new User.New("bob", "Bob", PASSWORD, true, List.of("staff")),
            new User.New("alice", "Alice", PASSWORD, true, List.of(Group.ADMINS))),
        List.of(new Seed.SeedEntitlement("linux", null, "staff")));
    ClusterSpec spec = ClusterSpec.builder()
        .sets(2)
        .concentratorsPerSet(1)
        .agent(ClusterSpec.RealAgent.vnc("linux-1", "linux", 1))
        .broker(ClusterSpec.BrokerSpec.DEFAULT.withSeed(seed))
        .build();
    cluster = InProcessCluster.start(spec, InProcessLinks.inProcess(), clock, clock,
        Files.createDirectories(dir.resolve("data")));
    // brokers poll their concentrators' health on the manual clock: time must pass for them to be ready
    await().atMost(WAIT).until(() -> {
      clock.advance(Duration.ofMillis(500));
      return cluster.ready();
    });
    api = new ApiClient(cluster.brokers().get(0).toString(), WAIT);
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aDesktopNobodyViewsIsLoggedOffWhenItsPoolsLimitHasPassed() throws Exception {
    JsonNode session = api.openSession("bob", PASSWORD, "linux").join().body();
    String sessionId = session.get("sessionId").asText();
    assertThat(bobsSessions()).singleElement()
        .satisfies(s -> assertThat(s.get("display").asText()).isEqualTo("disconnected"));

    passTime(LIMIT.minusSeconds(10));
    assertThat(bobsSessions()).as("10 s before the limit").hasSize(1);

    passTime(Duration.ofSeconds(15));  // the limit, and the agent's next look (every 5 s)
    await().atMost(WAIT).until(() -> bobsSessions().isEmpty());
    await().atMost(WAIT).untilAsserted(() -> {
      passTime(Duration.ofSeconds(1));  // the brokers' health polls read the concentrators' journal of ends
      JsonNode ends = api.get("alice", PASSWORD, "/api/v1/admin/sessions?user=bob&event=end").body().get("events");
      assertThat(ends).hasSize(1);
      assertThat(ends.get(0).get("sessionId").asText()).isEqualTo(sessionId);
      assertThat(ends.get(0).get("detail").asText()).isEqualTo("disconnected");
    });
  }

  private List<JsonNode> bobsSessions() throws Exception {
    List<JsonNode> sessions = new java.util.ArrayList<>();
    api.get("bob", PASSWORD, "/api/v1/sessions").body().get("sessions").forEach(sessions::add);
    return sessions;
  }

  /** Moves every role's time on, a second at a time, as it would pass. */
  private void passTime(Duration span) {
    for (long s = 0; s < span.toSeconds(); s++) {
      clock.advance(Duration.ofSeconds(1));
    }
  }
}
