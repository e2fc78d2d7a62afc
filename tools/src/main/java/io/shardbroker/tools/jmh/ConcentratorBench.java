package io.shardbroker.tools.jmh;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardbroker.concentrator.ConcentratorServer;
import io.shardbroker.concentrator.ConcentratorSettings;
import io.shardbroker.protocol.v1.AgentLinkGrpc;
import io.shardbroker.protocol.v1.AgentMessage;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.ConcentratorMessage;
import io.shardbroker.protocol.v1.FindCandidatesRequest;
import io.shardbroker.protocol.v1.FindCandidatesResponse;
import io.shardbroker.protocol.v1.HealthRequest;
import io.shardbroker.protocol.v1.Hello;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.StartAnswer;
import io.shardbroker.protocol.v1.StartRefusal;
import io.shardbroker.protocol.v1.StartSessionRequest;
import io.shardbroker.protocol.v1.StartSessionResponse;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A concentrator's share of brokering, through its public gRPC services as a broker calls them:
 * in-process transport with direct executors on both sides, so what is measured is the
 * concentrator's own work (its index, its lock, its answer) and not a network. Agents are minimal:
 * they say hello with a state of {@code i % 4} sessions on a host of 4, and refuse every start, so
 * the fleet stays as it was. Each figure must be the same with 100,000 VMs attached as with 1,000:
 * FindCandidates costs O(k + log b) for k candidates and b distinct loads, a start O(log b).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// 100,000 agent streams make a large heap: a small one spends the measurement collecting it.
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+UseParallelGC"})
public class ConcentratorBench {

  private static final String POOL = "shared";
  private static final int CAPACITY = 4;

  @Param({"1000", "100000"})
  int vms;

  private final String name = "jmh-" + UUID.randomUUID();
  private final SplittableRandom random = new SplittableRandom(42);
  private ScheduledExecutorService scheduler;
  private ConcentratorServer server;
  private ManagedChannel channel;
  private ConcentratorGrpc.ConcentratorBlockingStub broker;
  private final List<StreamObserver<AgentMessage>> agents = new ArrayList<>();

  @Setup
  public void attachFleet() throws IOException {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    // Heartbeats an hour apart: no agent here sends one, and none may be swept during a run.
    server = new ConcentratorServer(
        ConcentratorSettings.defaults("c1", "a", Topology.getDefaultInstance())
            .withHeartbeatInterval(Duration.ofHours(1)).withWarmUp(Duration.ZERO),
        InProcessServerBuilder.forName(name).directExecutor(), Clock.systemUTC(), scheduler,
        new SimpleMeterRegistry()).start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    broker = ConcentratorGrpc.newBlockingStub(channel);
    AgentLinkGrpc.AgentLinkStub link = AgentLinkGrpc.newStub(channel);
    for (int i = 0; i < vms; i++) {
      RefusingAgent agent = new RefusingAgent();
      agent.out = link.attach(agent);
      agent.out.onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder()
          .setVmId("vm-" + i)
          .setPool(POOL)
          .setCapacity(CAPACITY)
          .setIncarnation("jmh")
          .setState(withSessions(i % CAPACITY)))
          .build());
      agents.add(agent.out);
    }
    int attached = broker.health(HealthRequest.getDefaultInstance()).getAttachedVms();
    if (attached != vms) {
      throw new IllegalStateException(attached + " of " + vms + " VMs attached");
    }
  }

  private static VmState withSessions(int n) {
    VmState.Builder state = VmState.newBuilder().setSequence(1).setAccepting(true);
    for (int s = 0; s < n; s++) {
      state.addSessions(Session.newBuilder().setSessionId("s-" + s).setUser("u-" + s).setPool(POOL));
    }
    return state.build();
  }

  @TearDown
  public void close() {
    agents.forEach(StreamObserver::onCompleted);
    channel.shutdownNow();
    server.close();
    scheduler.shutdownNow();
  }

  /** What a broker's scatter asks of each concentrator: eight least-loaded candidates and the user's sessions. */
  @Benchmark
  public FindCandidatesResponse findCandidates() {
    return broker.findCandidates(FindCandidatesRequest.newBuilder()
        .setRequestId("r").setUser("user-" + random.nextInt(100_000)).setPool(POOL).setLimit(8).build());
  }

  /**
   * A whole brokering on one concentrator: find, then a start on the first candidate, reserved,
   * forwarded to its agent, refused and released.
   */
  @Benchmark
  public StartSessionResponse brokering() {
    String user = "user-" + random.nextInt(100_000);
    FindCandidatesResponse found = broker.findCandidates(FindCandidatesRequest.newBuilder()
        .setRequestId("r").setUser(user).setPool(POOL).setLimit(8).build());
    return broker.startSession(StartSessionRequest.newBuilder()
        .setRequestId(UUID.randomUUID().toString()).setUser(user).setPool(POOL)
        .setVmId(found.getCandidates(0).getVmId()).build());
  }

  /** Says hello, then refuses every start at once. */
  private static final class RefusingAgent implements StreamObserver<ConcentratorMessage> {
    StreamObserver<AgentMessage> out;

    @Override
    public void onNext(ConcentratorMessage message) {
      if (message.hasStart()) {
        out.onNext(AgentMessage.newBuilder().setStartAnswer(StartAnswer.newBuilder()
            .setRequestId(message.getStart().getRequestId())
            .setRefusal(StartRefusal.START_REFUSAL_FULL)).build());
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
