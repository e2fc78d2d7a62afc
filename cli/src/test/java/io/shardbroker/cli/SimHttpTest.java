package io.shardbroker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.shardbroker.agent.ChannelSource;
import io.shardbroker.agent.host.SimulatedSessionHost;
import io.shardbroker.agent.sim.SimulatedFleet;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.testing.FakeClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The simulator's HTTP endpoints over a real loopback socket, for a fleet of 5,000 VMs that are
 * built but not started: what is checked here is the wiring and the JSON, not the agents (see
 * the agent module's tests for those).
 */
@Timeout(60)
class SimHttpTest {

  private static final int VMS = 5_000;
  private static final Topology OFFLINE = Topology.newBuilder().setVersion(1)
      .addSets(ConcentratorSet.newBuilder().setId("a").addConcentrators(
          ConcentratorEndpoint.newBuilder().setId("a1").setAddress("nowhere")))
      .build();

  private final FakeClock clock = new FakeClock();
  private final ChannelSource channels =
      new ChannelSource(name -> InProcessChannelBuilder.forName(name).build());
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private SimulatedFleet fleet;
  private AdminHttpServer server;

  @BeforeEach
  void start() throws Exception {
    fleet = new SimulatedFleet(new SimulatedFleet.Spec(
        List.of(new SimulatedFleet.PoolSpec("desktop", VMS - 100, 1),
            new SimulatedFleet.PoolSpec("shared", 100, 8)),
        SimulatedSessionHost.Settings.DEFAULTS, 5), OFFLINE, channels, clock, clock);
    server = SimCommand.serve(new InetSocketAddress("127.0.0.1", 0), fleet, 1, 42);
  }

  @AfterEach
  void stop() {
    server.close();
    fleet.close();
    channels.close();
  }

  private HttpResponse<String> call(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(server.url(path)))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void truthCarriesTheLedgerBesideEveryVm() throws Exception {
    HttpResponse<String> answer = call("GET", "/truth");

    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode truth = json.readTree(answer.body());
    assertThat(truth.get("vms")).hasSize(VMS);
    assertThat(truth.get("expectedLinks").asInt()).isEqualTo(VMS);
    assertThat(truth.get("sessionsStarted").asLong()).isZero();
    assertThat(truth.get("sessionsEnded").asLong()).isZero();
    assertThat(truth.get("violations")).isEqualTo(json.readTree(
        "{\"overCapacity\": 0, \"userTwiceInPool\": 0, \"examples\": []}"));
  }

  @Test
  void truthOfFiveThousandVmsTakesWellUnderASecond() throws Exception {
    call("GET", "/truth");  // warm up: class loading, JIT
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long began = System.nanoTime();
      assertThat(call("GET", "/truth").statusCode()).isEqualTo(200);
      millis.add((System.nanoTime() - began) / 1_000_000);
    }
    // Generous against slow CI machines; it takes tens of milliseconds on a laptop.
    assertThat(millis.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(500);
  }

  @Test
  void dropAnswersTheVmsItDrewFromTheSeed() throws Exception {
    HttpResponse<String> answer = call("POST", "/faults/drop?vms=3&forMs=1000&seed=7");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode dropped = json.readTree(answer.body());
    assertThat(dropped.properties()).hasSize(1);
    assertThat(dropped.get("dropped")).hasSize(3);
    List<String> expected = fleet.dropLinks(3, java.time.Duration.ofSeconds(1), 7);
    assertThat(dropped.get("dropped")).extracting(JsonNode::asText).containsExactlyElementsOf(expected);
    // Without a seed, the sim's own.
    JsonNode byDefault = json.readTree(call("POST", "/faults/drop?vms=3&forMs=1000").body());
    assertThat(byDefault.get("dropped")).extracting(JsonNode::asText)
        .containsExactlyElementsOf(fleet.dropLinks(3, java.time.Duration.ofSeconds(1), 42));
  }

  @Test
  void badDropRequestsAreAnswered400WithTheJsonErrorShape() throws Exception {
    assertBadRequest("/faults/drop?forMs=1000", "'vms' is missing");
    assertBadRequest("/faults/drop?vms=3", "'forMs' is missing");
    assertBadRequest("/faults/drop?vms=three&forMs=1000", "'vms' must be a whole number, got 'three'");
    assertBadRequest("/faults/drop?vms=3&forMs=1.5", "'forMs' must be a whole number, got '1.5'");
    assertBadRequest("/faults/drop?vms=5001&forMs=1000", "'vms' must be 0..5000, got 5001");
    assertBadRequest("/faults/drop?vms=-1&forMs=1000", "got -1");
    assertBadRequest("/faults/drop?vms=3&forMs=-5", "got -5");
    assertBadRequest("/faults/drop?vms=3&forMs=1000&seed=x", "'seed' must be a whole number");
  }

  private void assertBadRequest(String path, String inMessage) throws Exception {
    HttpResponse<String> answer = call("POST", path);
    assertThat(answer.statusCode()).as(path).isEqualTo(400);
    JsonNode error = json.readTree(answer.body());
    assertThat(error.get("error").asText()).isEqualTo("bad_request");
    assertThat(error.get("message").asText()).as(path).contains(inMessage);
  }

  @Test
  void eachPathAnswersItsOwnMethodOnly() throws Exception {
    assertThat(call("GET", "/faults/drop?vms=1&forMs=1").statusCode()).isEqualTo(405);
    assertThat(call("POST", "/truth").statusCode()).isEqualTo(405);
    assertThat(call("GET", "/faults/dropped").statusCode()).isEqualTo(404);
    assertThat(call("GET", "/healthz").body()).isEqualTo("{\"status\":\"ok\"}");
  }
}
