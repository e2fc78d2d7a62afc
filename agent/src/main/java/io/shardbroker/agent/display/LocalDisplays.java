package io.shardbroker.agent.display;

import java.util.Optional;

/** The displays of the sessions that run on this VM, by session id (the session host knows them). */
@FunctionalInterface
public interface LocalDisplays {

  /** The display of {@code sessionId}, or empty when no such session runs here or it has no display. */
  Optional<LocalDisplay> display(String sessionId);
}
