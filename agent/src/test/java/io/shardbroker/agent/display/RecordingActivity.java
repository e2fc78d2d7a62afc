package io.shardbroker.agent.display;

import java.util.ArrayList;
import java.util.List;

/** A {@link DisplayActivity} that keeps what it was told, as "connected s-1", "input s-1", .... */
final class RecordingActivity implements DisplayActivity {

  private final List<String> events = new ArrayList<>();  // guarded by this

  @Override
  public synchronized void connected(String sessionId) {
    events.add("connected " + sessionId);
  }

  @Override
  public synchronized void input(String sessionId) {
    events.add("input " + sessionId);
  }

  @Override
  public synchronized void disconnected(String sessionId) {
    events.add("disconnected " + sessionId);
  }

  /** What it was told, oldest first. */
  synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** What it was told, inputs left out. */
  synchronized List<String> connections() {
    return events.stream().filter(e -> !e.startsWith("input ")).toList();
  }
}
