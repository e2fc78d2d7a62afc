package io.shardbroker.agent.display;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.agent.display.ClientMessages.RefusedMessage;
import io.shardbroker.agent.display.RelayRefusal.Code;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One broker connection to the {@link DisplayRelay}, from its TLS handshake to its end, as the
 * relay's wire contract says. {@link #run} is its thread: the handshakes, then the copy from viewer
 * to display; a second thread copies from display to viewer while the connection is relayed.
 *
 * <p>{@link #close} may come from any thread (a newer viewer takes over, the relay closes) and
 * never waits on the peers: it closes the TCP socket under TLS and the display's channel, which
 * ends every read and write of both threads. Where one thread alone uses the connection (a
 * refusal, the end of the display's output), it ends TLS properly first.
 */
final class RelayedConnection implements Runnable {

  /**
   * What the connections of one relay share.
   *
   * @param tls the context for the broker's side, or null for plaintext
   * @param tlsParameters TLS 1.3 with a client certificate required; null with {@code tls}
   * @param done told when the connection has ended and its threads are done with it
   */
  record Shared(
      SSLContext tls,
      SSLParameters tlsParameters,
      Duration handshakeTimeout,
      TicketCheck tickets,
      LocalDisplays displays,
      DisplayActivity activity,
      Viewers<RelayedConnection> viewers,
      ExecutorService threads,
      ScheduledExecutorService timer,
      Consumer<RelayedConnection> done) {}

  /** Bytes read at a time in each direction. */
  static final int BUFFER_BYTES = 16 * 1024;
  /** The largest clipboard text a viewer may send. */
  static final int MAX_CUT_TEXT = 1024 * 1024;
  /** After a refusal, how long and how much the relay reads on, so closing does not reset the connection under its answer. */
  private static final Duration LINGER = Duration.ofSeconds(1);
  private static final int LINGER_BYTES = 64 * 1024;
  /** How long the relayed connection's end waits for its other thread, which the close ends at once. */
  private static final Duration JOIN = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(RelayedConnection.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] OK = "{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8);

  private final Socket tcp;
  private final SocketAddress peer;
  private final Shared shared;
  /** The display once logged in; set by this connection's thread, closed by any. */
  private volatile SocketChannel display;

  RelayedConnection(Socket tcp, Shared shared) {
    this.tcp = tcp;
    this.peer = tcp.getRemoteSocketAddress();
    this.shared = shared;
  }

  @Override
  public void run() {
    RelayRequest request = null;
    String claimed = null;
    try {
      long deadline = System.nanoTime() + shared.handshakeTimeout().toNanos();
      tcp.setKeepAlive(true);
      tcp.setTcpNoDelay(true);
      Socket viewer = secured(deadline);
      if (viewer == null) {
        return;
      }
      try {
        request = RelayRequest.read(viewer, deadline);
        String sessionId = admitted(request);
        LocalDisplay local = shared.displays().display(sessionId).orElseThrow(() ->
            new RelayRefusal(Code.DISPLAY_GONE, "no such session runs here, or it has no display"));
        shared.viewers().claim(sessionId, this).ifPresent(this::takeOver);
        claimed = sessionId;
        display = loggedIn(local);
      } catch (RelayRefusal refusal) {
        refuse(viewer, request, refusal);
        return;
      }
      relay(viewer, request);
    } catch (IOException e) {
      log.info("display relay: connection from {} ({}) ended: {}", peer, request, e.getMessage());
    } catch (RuntimeException e) {
      log.error("display relay: connection from {} ({}) failed", peer, request, e);
    } finally {
      close();
      if (claimed != null) {
        shared.viewers().release(claimed, this);
      }
      shared.done().accept(this);
    }
  }

  /** Ends the connection at once: both peers see it closed. Any thread; idempotent. */
  void close() {
    try {
      tcp.close();
    } catch (IOException e) {
      // closing: nothing left to do
    }
    SocketChannel channel = display;
    if (channel != null) {
      DisplayLogin.closeQuietly(channel);
    }
  }

  /** The viewer's socket after the TLS handshake (the TCP one without TLS), or null when it failed. */
  private Socket secured(long deadline) throws IOException {
    if (shared.tls() == null) {
      return tcp;
    }
    SSLSocket ssl = (SSLSocket) shared.tls().getSocketFactory().createSocket(tcp, null, true);
    ssl.setSSLParameters(shared.tlsParameters());
    ssl.setSoTimeout(millisUntil(deadline));
    try {
      ssl.startHandshake();
      return ssl;
    } catch (IOException e) {
      log.info("display relay: TLS handshake with {} failed: {}", peer, e.getMessage());
      return null;
    }
  }

  /** The session {@code request}'s ticket admits to, which must be the one it names. */
  private String admitted(RelayRequest request) throws RelayRefusal {
    Optional<String> admitted = shared.tickets().admit(request.ticket(), request.user());
    if (admitted.isEmpty()) {
      throw new RelayRefusal(Code.TICKET_REFUSED, "the ticket is unknown, used, expired or another user's");
    }
    if (!admitted.get().equals(request.sessionId())) {
      throw new RelayRefusal(Code.TICKET_REFUSED, "the ticket is for another session");
    }
    return request.sessionId();
  }

  private void takeOver(RelayedConnection older) {
    log.info("display relay: a new viewer from {} takes over the display from {}", peer, older.peer);
    older.close();
  }

  private SocketChannel loggedIn(LocalDisplay local) throws RelayRefusal {
    try {
      return DisplayLogin.open(local, shared.handshakeTimeout(), shared.timer());
    } catch (IOException e) {
      throw new RelayRefusal(Code.DISPLAY_UNREACHABLE, e.getMessage());
    }
  }

  /** Answers {@code refusal} and ends TLS: this thread alone uses the socket. */
  private void refuse(Socket viewer, RelayRequest request, RelayRefusal refusal) {
    if (request == null) {
      log.info("display relay refused a request from {}: {} ({})", peer, refusal.code().wire(), refusal.getMessage());
    } else {
      log.info("display relay refused {} for session {}: {} ({})", request.user(), request.sessionId(),
          refusal.code().wire(), refusal.getMessage());
    }
    ObjectNode answer = JSON.createObjectNode()
        .put("ok", false)
        .put("error", refusal.code().wire())
        .put("message", refusal.userMessage());
    try {
      OutputStream out = viewer.getOutputStream();
      out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      viewer.shutdownOutput();
      viewer.setSoTimeout((int) LINGER.toMillis());
      InputStream in = viewer.getInputStream();
      byte[] ignored = new byte[1024];
      for (int read = 0; read < LINGER_BYTES; ) {
        int n = in.read(ignored);
        if (n < 0) {
          break;
        }
        read += n;
      }
    } catch (IOException e) {
      // the broker is gone or lingers: the close that follows ends it
    }
  }

  /** Answers ok, serves the viewer's RFB handshake, then copies both ways until either side ends. */
  private void relay(Socket viewer, RelayRequest request) throws IOException {
    InputStream in = viewer.getInputStream();
    OutputStream out = viewer.getOutputStream();
    out.write(OK);
    out.flush();
    viewer.setSoTimeout((int) shared.handshakeTimeout().toMillis());
    ViewerHandshake.serve(in, out);
    viewer.setSoTimeout(0);  // from here on a viewer may idle for hours; keepalive finds dead peers

    String sessionId = request.sessionId();
    if (!shared.viewers().viewing(sessionId, this)) {
      log.info("display relay: the viewer of session {} from {} was taken over during its handshake", sessionId, peer);
      return;
    }
    log.info("display relay: relaying session {} of {} to {}", sessionId, request.user(), peer);
    Future<?> toViewer;
    try {
      toViewer = shared.threads().submit(() -> copyToViewer(viewer, out));
    } catch (RejectedExecutionException e) {
      return;  // the relay is closing
    }
    try {
      copyToDisplay(in, sessionId);
    } finally {
      close();
      join(toViewer);
    }
    log.info("display relay: session {} of {} no longer relayed to {}", sessionId, request.user(), peer);
  }

  /**
   * Viewer to display, following the messages: input is reported, a message not let through ends
   * the connection. The first byte is ClientInit, which is no message.
   */
  private void copyToDisplay(InputStream in, String sessionId) {
    ClientMessages messages = new ClientMessages(MAX_CUT_TEXT);
    byte[] buffer = new byte[BUFFER_BYTES];
    boolean clientInit = true;
    long inputs = 0;
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        int skip = clientInit ? 1 : 0;
        clientInit = false;
        messages.follow(ByteBuffer.wrap(buffer, skip, n - skip));
        if (messages.inputs() > inputs) {
          inputs = messages.inputs();
          shared.activity().input(sessionId);
        }
        ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
        while (chunk.hasRemaining()) {
          display.write(chunk);
        }
      }
    } catch (RefusedMessage e) {
      log.info("display relay: closing the viewer of session {} from {}: {}", sessionId, peer, e.getMessage());
    } catch (IOException e) {
      // either side closed or failed: the connection ends
    }
  }

  /** Display to viewer, as is; when the display ends, the viewer is told properly. */
  private void copyToViewer(Socket viewer, OutputStream out) {
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    try {
      while (display.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        out.flush();
        buffer.clear();
      }
      viewer.shutdownOutput();  // this thread is the only writer now
    } catch (IOException e) {
      // either side closed or failed: the connection ends
    } finally {
      close();
    }
  }

  private static void join(Future<?> thread) {
    try {
      thread.get(JOIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("display relay: a connection's display-to-viewer thread did not end: {}", e.toString());
    }
  }

  private static int millisUntil(long deadline) {
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}
