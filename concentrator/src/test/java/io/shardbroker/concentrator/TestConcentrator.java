package io.shardbroker.concentrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardbroker.protocol.v1.ConcentratorGrpc;
import io.shardbroker.protocol.v1.ConcentratorEndpoint;
import io.shardbroker.protocol.v1.ConcentratorSet;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.Topology;
import io.shardbroker.protocol.v1.VmState;
import io.shardbroker.protocol.v1.VmView;
import io.shardbroker.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConcentratorServer} on an in-process transport whose clock and scheduler is one
 * {@link FakeClock}, with a broker-side channel and stubs, for tests of the whole concentrator.
 * Heartbeat sweeps and start/end timeouts run only when the test advances the clock.
 */
final class TestConcentrator implements AutoCloseable {

  static final Topology TOPOLOGY = Topology.newBuilder()
      .setVersion(7)
      .addSets(ConcentratorSet.newBuilder().setId("set-a")
          .addConcentrators(ConcentratorEndpoint.newBuilder().setId("conc-1").setAddress("in-process:1")))
      .build();

  final FakeClock clock = new FakeClock();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final ConcentratorSettings settings;
  final ConcentratorServer server;
  final ManagedChannel channel;
  final ConcentratorGrpc.ConcentratorBlockingStub broker;
  final ConcentratorGrpc.ConcentratorFutureStub brokerAsync;
  /** A broker whose calls' deadlines live on the fake clock: give them with {@code clock.ticker()}. */
  final ConcentratorGrpc.ConcentratorFutureStub brokerOnClock;
  private final ManagedChannel onClockChannel;
  private boolean closed;

  TestConcentrator() {
    this(ConcentratorSettings.defaults("conc-1", "set-a", TOPOLOGY));
  }

  TestConcentrator(ConcentratorSettings settings) {
    this.settings = settings;
    String name = "concentrator-test-" + UUID.randomUUID();
    try {
      server = new ConcentratorServer(settings, InProcessServerBuilder.forName(name).directExecutor(), clock, clock,
          meters)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    // Its deadlines, made with clock.ticker(), run out when the clock is advanced past them.
    onClockChannel = InProcessChannelBuilder.forName(name).directExecutor().scheduledExecutorService(clock).build();
    brokerOnClock = ConcentratorGrpc.newFutureStub(onClockChannel);
    broker = ConcentratorGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES);
    brokerAsync = ConcentratorGrpc.newFutureStub(channel);
  }

  FakeAgent attach(String vmId, String pool, int capacity, VmState state) {
    return FakeAgent.attach(channel, vmId, pool, capacity, state);
  }

  FakeAgent attach(String vmId, String pool, int capacity) {
    return attach(vmId, pool, capacity, FakeAgent.state(1, true));
  }

  /** The VM as ListVms shows it, or null when it is not listed. */
  VmView vm(String vmId) {
    return broker.listVms(ListVmsRequest.getDefaultInstance()).getVmsList().stream()
        .filter(v -> v.getVmId().equals(vmId))
        .findFirst()
        .orElse(null);
  }

  /** Asserts that the VM is listed and matches. */
  void assertVm(String vmId, Consumer<VmView> requirement) {
    VmView view = vm(vmId);
    assertThat(view).as("VM %s listed", vmId).isNotNull();
    requirement.accept(view);
  }

  /**
   * Asserts that the concentrator has scheduled {@code count} timers besides its heartbeat sweep,
   * so advancing the clock is sure to fire them.
   */
  void assertTimers(int count) {
    assertThat(clock.pendingTasks()).as("timers besides the sweep").isEqualTo(1 + count);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.close();
    channel.shutdownNow();
    onClockChannel.shutdownNow();
  }
}
