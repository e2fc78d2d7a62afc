package io.shardbroker.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open display: a browser's WebSocket spliced to the display relay of the session's agent.
 *
 * <p>A virtual thread per display, the pump, dials the relay ({@link RelayDialer}), then waits for
 * the relay's bytes with a {@value #FIRST_READ}-byte buffer of its own. When more follow at once
 * (a screen update), it takes a burst buffer of the shared {@link BurstBuffers} and reads on into
 * it while the relay's socket has bytes ready, up to {@link BurstBuffers#SIZE}. Each read or
 * burst goes to the browser as one binary message, and the pump waits for the send to complete
 * before it reads again: a browser that reads slowly slows the relay down, and nothing queues.
 * Bursts make few messages of a screen (each costs the broker and the browser alike), and an idle
 * display holds only its small buffer. The other way, Jetty hands the browser's
 * messages over one at a time ({@link #fromBrowser}), each written to the relay before Jetty reads
 * the next; one that comes while the relay is being dialed waits for it. A send either way that does
 * not complete within the idle timeout ends the display.
 *
 * <p>Whoever ends the display first (either side closing, a failure, a timeout) decides how it
 * ends: {@link #end} closes the relay socket, which ends the pump's read, and closes the WebSocket
 * with that code. The pump, last of all, gives the display's place back ({@code released}), so a
 * display stops counting only once its socket is closed and its thread done.
 *
 * <p>Heap per display: the pump's small buffer (a burst buffer while a burst is sent), at most one
 * message of the browser at a time (Jetty holds it, up to {@link DisplayGateway#MAX_MESSAGE}), and
 * the TLS socket's record buffers.
 */
final class DisplayBridge {

  private static final Logger log = LoggerFactory.getLogger(DisplayBridge.class);
  /** What the pump reads into first; a display's own buffer. Most input echoes and cursor moves fit. */
  static final int FIRST_READ = 1024;

  private final Session browser;
  private final DisplayGateway.Admitted admitted;
  private final RelayDialer dialer;
  private final Duration idleTimeout;
  private final Refusals refusals;
  private final Consumer<DisplayBridge> released;
  private final BurstBuffers bursts;
  /** The link once the relay said ok; failed when the display ended before. */
  private final CompletableFuture<RelayDialer.Link> relay = new CompletableFuture<>();
  private final Object lock = new Object();
  /** The relay socket from the start of the dial on; guarded by {@link #lock}. */
  private Socket socket;
  /** How the display ended; null while it is open. Guarded by {@link #lock}. */
  private DisplayClose ended;

  /** @param released told once, when the display has ended and its socket is closed */
  DisplayBridge(Session browser, DisplayGateway.Admitted admitted, RelayDialer dialer, BurstBuffers bursts,
      Duration idleTimeout, Refusals refusals, Consumer<DisplayBridge> released) {
    this.browser = browser;
    this.admitted = admitted;
    this.dialer = dialer;
    this.bursts = bursts;
    this.idleTimeout = idleTimeout;
    this.refusals = refusals;
    this.released = released;
  }

  /** Starts the pump (dial, then relay to browser until the display ends) and the pings. */
  void start() {
    Thread.ofVirtual().name("display-" + admitted.sessionId()).start(this::pump);
    pingLater(new WeakReference<>(this), idleTimeout.toMillis() / 3);
  }

  /**
   * Writes a message of the browser to the relay, waiting for the relay first if it is still being
   * dialed; dropped when the display has ended. Called by Jetty, one message at a time.
   */
  void fromBrowser(ByteBuffer message) {
    RelayDialer.Link link;
    try {
      link = relay.get();  // the pump settles it within the dial's timeouts
    } catch (ExecutionException e) {
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    CompletableFuture<Void> written = new CompletableFuture<>();
    written.orTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(stalled -> {
          end(DisplayClose.RELAY_STALLED);  // closing the socket ends the blocked write
          return null;
        });
    try {
      OutputStream out = link.out();
      if (message.hasArray()) {
        out.write(message.array(), message.arrayOffset() + message.position(), message.remaining());
      } else {
        byte[] copy = new byte[message.remaining()];
        message.get(copy);
        out.write(copy);
      }
      out.flush();
    } catch (IOException e) {
      end(DisplayClose.LOST);
    } finally {
      written.complete(null);
    }
  }

  /**
   * Ends the display unless it has ended already: closes the relay socket and the WebSocket with
   * {@code how}. Any thread.
   *
   * @return done when the close frame is sent (at once when the display had ended already)
   */
  CompletableFuture<Void> end(DisplayClose how) {
    return end(how, true);
  }

  /** The browser closed the WebSocket (or Jetty did, stopping): ends the display with what it said. */
  void browserClosed(int code, String reason) {
    end(DisplayClose.byBrowser(code, reason), false);
  }

  private CompletableFuture<Void> end(DisplayClose how, boolean tellBrowser) {
    Socket toClose;
    synchronized (lock) {
      if (ended != null) {
        return CompletableFuture.completedFuture(null);
      }
      ended = how;
      toClose = socket;
    }
    relay.completeExceptionally(new ClosedChannelException());
    if (toClose != null) {
      RelayDialer.closeQuietly(toClose);
    }
    Callback.Completable told = new Callback.Completable();
    if (tellBrowser) {
      browser.close(how.code(), how.reason(), told);
    } else {
      told.succeed();
    }
    return told;
  }

  /**
   * Pings the browser every third of the idle timeout while the display is open, so that an idle
   * desktop in a live browser stays open (through proxies that close quiet connections too). The
   * JDK's shared delay thread schedules them: nothing to stop when the broker stops. A pending ping
   * holds the display only weakly, so that a display that ended is collected at once, not when its
   * next ping would have been due.
   */
  private static void pingLater(WeakReference<DisplayBridge> display, long delayMillis) {
    CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(() -> {
      DisplayBridge bridge = display.get();
      if (bridge == null) {
        return;
      }
      synchronized (bridge.lock) {
        if (bridge.ended != null) {
          return;
        }
      }
      bridge.browser.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
      pingLater(display, delayMillis);
    });
  }

  private void pump() {
    DisplayClose outcome = DisplayClose.BROKER_FAILED;
    try {
      RelayDialer.Link link = dialer.dial(admitted.placed(), admitted.user(), admitted.ticket(), this::attach);
      relay.complete(link);
      log.info("display of session {} open for {} ({})", admitted.sessionId(), admitted.user(),
          link.stream().getRemoteSocketAddress());
      outcome = splice(link);
    } catch (RelayFailure failure) {
      outcome = failure.close();
      report(failure);
    } catch (RuntimeException e) {
      log.error("display of session {} for {} failed", admitted.sessionId(), admitted.user(), e);
    } finally {
      end(outcome);
      synchronized (lock) {
        outcome = ended;
        if (socket != null) {
          // end() closes it too, but outside the lock: this makes sure it is closed before the place is given back
          RelayDialer.closeQuietly(socket);
        }
      }
      log.info("display of session {} for {} closed: {} {}", admitted.sessionId(), admitted.user(),
          outcome.code(), outcome.reason());
      released.accept(this);
    }
  }

  /** Relay to browser until either ends; how it ended. */
  private DisplayClose splice(RelayDialer.Link link) {
    byte[] first = new byte[FIRST_READ];
    while (true) {
      int read;
      byte[] burst = null;
      try {
        read = link.in().read(first);
        if (read < 0) {
          return DisplayClose.DESKTOP_CLOSED;
        }
        if (read == first.length && ready(link)) {
          burst = bursts.take();
          System.arraycopy(first, 0, burst, 0, read);
          read = fill(link, burst, read);
        }
      } catch (IOException e) {
        if (burst != null) {
          bursts.give(burst);
        }
        return DisplayClose.LOST;  // or the display ended, and then that end stands
      }
      DisplayClose failed = send(ByteBuffer.wrap(burst != null ? burst : first, 0, Math.abs(read)));
      if (failed != null) {
        // Not given back: a send that did not complete may still be read by Jetty later, and
        // then it must not hold another display's pixels.
        return failed;
      }
      if (burst != null) {
        bursts.give(burst);  // sent: Jetty holds it no longer
      }
      if (read < 0) {
        return DisplayClose.DESKTOP_CLOSED;
      }
    }
  }

  /**
   * Reads on into {@code burst} after its first {@code filled} bytes while the relay has bytes
   * ready, until it is full; its bytes, negated when the relay ended after them.
   */
  private static int fill(RelayDialer.Link link, byte[] burst, int filled) throws IOException {
    while (filled < burst.length && ready(link)) {
      int read = link.in().read(burst, filled, burst.length - filled);
      if (read < 0) {
        return -filled;
      }
      filled += read;
    }
    return filled;
  }

  /**
   * Whether a read now would find bytes: decrypted ones the TLS stream holds, or bytes in the
   * socket's receive buffer (the next record, which the relay wrote whole and which is arriving).
   * A record that holds no display bytes would hold the burst until the next that does; the relay
   * sends none such after its answer (TLS 1.3 session tickets come before it, and a key update
   * only within a write, ahead of that write's bytes).
   */
  private static boolean ready(RelayDialer.Link link) throws IOException {
    return link.in().available() > 0 || link.socket().getInputStream().available() > 0;
  }

  /** Sends one message to the browser and waits for it; null once sent, else how the display ends. */
  private DisplayClose send(ByteBuffer message) {
    Callback.Completable sent = new Callback.Completable();
    browser.sendBinary(message, sent);
    try {
      sent.get(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException e) {
      return DisplayClose.BROWSER_STALLED;
    } catch (ExecutionException e) {
      return DisplayClose.BROWSER_LOST;
    } catch (InterruptedException e) {
      return DisplayClose.GOING_AWAY;
    }
  }

  /** Takes the socket the dial is about to connect; false when the display has ended already. */
  private boolean attach(Socket dialing) {
    synchronized (lock) {
      if (ended != null) {
        return false;
      }
      socket = dialing;
      return true;
    }
  }

  /** Logs a failed dial and audits what an administrator should see, unless the display had ended before. */
  private void report(RelayFailure failure) {
    synchronized (lock) {
      if (ended != null) {
        return;
      }
    }
    if (failure.auditAction() == null) {
      log.info("display of session {} for {} failed: {}", admitted.sessionId(), admitted.user(), failure.getMessage());
    } else {
      refusals.record(admitted.user(), failure.auditAction(), admitted.sessionId(), failure.getMessage());
    }
  }
}
