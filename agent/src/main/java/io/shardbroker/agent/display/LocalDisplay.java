package io.shardbroker.agent.display;

import java.nio.file.Path;

/**
 * Where a session's display listens on this VM, and the secret it asks for: what the display relay
 * needs to reach it. The password is a secret of the agent's; it is never shown, listed or logged.
 *
 * @param socket the display's Unix socket (Xvnc's {@code -rfbunixpath})
 * @param password the display's VNC password (8 bytes, {@link VncAuth})
 */
public record LocalDisplay(Path socket, byte[] password) {

  @Override
  public String toString() {
    return "LocalDisplay[" + socket + "]";
  }
}
