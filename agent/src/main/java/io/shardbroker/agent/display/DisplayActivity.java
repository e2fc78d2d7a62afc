package io.shardbroker.agent.display;

/**
 * What the display relay tells the agent about a session's display, so it knows which sessions
 * are active or disconnected and when a user last gave input. Called from relay threads; must not
 * block.
 */
public interface DisplayActivity {

  /** A client now views the session (a new one replaces any earlier one). */
  void connected(String sessionId);

  /** The client sent input (a key, a pointer event, a clipboard): not its own update requests. */
  void input(String sessionId);

  /** No client views the session any more. */
  void disconnected(String sessionId);

  /** Tells nobody. */
  DisplayActivity NONE = new DisplayActivity() {
    @Override
    public void connected(String sessionId) {}

    @Override
    public void input(String sessionId) {}

    @Override
    public void disconnected(String sessionId) {}
  };
}
