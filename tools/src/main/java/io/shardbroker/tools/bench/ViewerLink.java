package io.shardbroker.tools.bench;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * How a benchmark viewer's RFB bytes travel: straight over a display's Unix socket
 * ({@link UnixViewerLink}), or through the broker's WebSocket gateway and an agent's display relay
 * ({@link WebSocketViewerLink}). Not thread-safe: one viewer's thread uses it, though
 * {@link #close} may come from another to end a wait.
 */
interface ViewerLink extends AutoCloseable {

  /**
   * The next bytes that came, at least one, as the transport delivered them; they are the
   * caller's until its next call, which gives them back.
   *
   * @throws IOException when the other end closed, or nothing came within the link's wait
   */
  ByteBuffer next() throws IOException;

  /** Sends {@code bytes}, all of them, returning once the transport has taken them. */
  void send(ByteBuffer bytes) throws IOException;

  /** What it is, for the report: "Unix socket", "WebSocket". */
  String describe();

  @Override
  void close();
}
