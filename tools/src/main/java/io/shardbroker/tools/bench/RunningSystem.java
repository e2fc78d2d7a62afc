package io.shardbroker.tools.bench;

import io.shardbroker.harness.JsonHttp;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** A broker someone else started ({@code bench storm --target}): only driven, not measured inside. */
final class RunningSystem implements SystemUnderTest {

  private final URI broker;

  RunningSystem(URI broker) {
    this.broker = broker;
  }

  @Override
  public String name() {
    return "target";
  }

  @Override
  public String describe() {
    return "the broker at " + broker;
  }

  @Override
  public Started start() throws IOException, InterruptedException {
    new JsonHttp(Duration.ofSeconds(5)).awaitReady(broker, ShardedSystem.READY_TIMEOUT);
    return new Started(broker, List.of(), List.of(), List.of(), 0, "registration not measured",
        Heap.UNMEASURED);
  }
}
