package io.shardbroker.agent.display;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's display relay: the one way from a broker to the desktops of this VM, each of which
 * is a VNC server on a Unix socket that only the agent may open, behind a password only the agent
 * knows. A broker proves who it is with its certificate and which desktop its user may see with a
 * one-time ticket; the relay logs in to that desktop and passes its RFB stream through.
 *
 * <h2>Wire contract</h2>
 * <ol>
 *   <li>The broker connects over TCP with TLS 1.3 and presents a broker certificate (the SSL
 *       context's trust manager refuses other roles; a client certificate is required).
 *   <li>It sends one line, a JSON object and {@code \n}, of at most {@value RelayRequest#MAX_LINE_BYTES}
 *       bytes before the {@code \n}, all within the handshake timeout (counted from the TCP accept,
 *       TLS handshake included): {@code {"ticket":"sct-...","user":"bob","sessionId":"..."}}.
 *       Other fields are ignored.
 *   <li>The relay redeems the ticket for that user ({@link TicketCheck}, the agent's {@code admit}); it must admit to
 *       exactly {@code sessionId}. It connects to the session's display and logs in to it as an RFB
 *       3.8 client with VNC authentication.
 *   <li>It answers one line: {@code {"ok":true}\n}, or
 *       {@code {"ok":false,"error":"<code>","message":"<text for a user>"}\n} and closes. The codes:
 *       <ul>
 *         <li>{@code bad-request}: the line is not such an object, is too long or did not come in time;
 *         <li>{@code ticket-refused}: the ticket is unknown, used, expired, another user's, or admits
 *             to another session;
 *         <li>{@code display-gone}: no such session runs here, or it has no display;
 *         <li>{@code display-unreachable}: the display cannot be reached or refused the relay's login;
 *         <li>{@code busy}: the relay already relays {@code maxOpen} displays (the message says how many).
 *       </ul>
 *       The relay checks in that order: the line, the ticket, that the display exists, the limit,
 *       the login. A ticket is used up once redeemed, whatever the answer. A connection that fails
 *       its TLS handshake gets no line.
 *   <li>After {@code ok} the relay is the RFB server toward the broker, up to the end of security:
 *       it sends {@code RFB 003.008\n} right after the answer line (read that line without reading
 *       past its newline) and reads the client's version, which must be 3.3, 3.7 or 3.8
 *       (else it closes). For 3.7 and 3.8 it offers one security type, 1 (None), and reads the
 *       client's choice, which must be 1; for 3.8 it then sends the SecurityResult 0 (OK). For 3.3
 *       it sends the u32 1 (None) instead. From there on, bytes pass both ways as they are, ClientInit
 *       and ServerInit included (the display answers them). The relay follows the client's messages
 *       ({@link ClientMessages}) and closes the connection at one it does not let through, or at a
 *       clipboard over {@value RelayedConnection#MAX_CUT_TEXT} bytes.
 *   <li>One viewer per session: a new connection with a good ticket for a session takes its display
 *       over, and the older connection is closed.
 *   <li>Read timeouts apply until the relaying starts (each read of the broker's RFB handshake
 *       waits at most the handshake timeout); after that a viewer may idle for hours (TCP
 *       keepalive is on). Either side closing closes both. A relayed connection may end with the TCP
 *       connection closed and no TLS close_notify: closing never waits on a peer that does not read.
 * </ol>
 *
 * <p>The relay never logs or sends a ticket or a display's password. It logs refusals at INFO with
 * the user, the session and the reason.
 *
 * <h2>Design</h2>
 * Blocking sockets on virtual threads: one thread accepts; each connection has one thread for its
 * handshakes and then the copy from viewer to display, and one more for display to viewer while it
 * is relayed. Unix sockets have no read timeout, so a timer closes a display that does not finish
 * its login in time. {@link Viewers} holds each session's one connection and bounds the open
 * displays; connections still in their handshake are bounded separately
 * ({@value #MAX_HANDSHAKES} over {@code maxOpen}). Timeouts here are socket timeouts, in real time:
 * tests use a short one.
 *
 * <p>{@link #start} and {@link #close} once each; the other methods are thread-safe.
 */
public final class DisplayRelay implements AutoCloseable {

  /**
   * @param bindAddress where to listen
   * @param port the TCP port; 0 for any free one (see {@link #port})
   * @param maxOpen how many displays it relays at once at most
   * @param handshakeTimeout how long a broker has from connecting to the end of its request line;
   *     after {@code ok}, how long each read of its RFB handshake may wait; how long a display has
   *     for the relay's login
   */
  public record Settings(InetAddress bindAddress, int port, int maxOpen, Duration handshakeTimeout) {

    public static final int MAX_OPEN_DEFAULT = 16;
    public static final Duration HANDSHAKE_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
    static final int MAX_OPEN_LIMIT = 10_000;

    public Settings {
      Objects.requireNonNull(bindAddress, "display relay: bind address must be given");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("display relay: port must be 0..65535, got " + port);
      }
      if (maxOpen < 1 || maxOpen > MAX_OPEN_LIMIT) {
        throw new IllegalArgumentException("display relay: max open must be 1.." + MAX_OPEN_LIMIT + ", got " + maxOpen);
      }
      if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()
          || handshakeTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("display relay: handshake timeout must be positive, got " + handshakeTimeout);
      }
    }

    /** With the default limit and timeout. */
    public Settings(InetAddress bindAddress, int port) {
      this(bindAddress, port, MAX_OPEN_DEFAULT, HANDSHAKE_TIMEOUT_DEFAULT);
    }
  }

  /** How many connections may be in their handshakes beyond {@code maxOpen}; more are closed at once. */
  static final int MAX_HANDSHAKES = 64;
  private static final String TLS_1_3 = "TLSv1.3";
  /** How long accepting pauses after it failed. */
  private static final Duration ACCEPT_PAUSE = Duration.ofMillis(200);
  /** How long {@link #close} waits for the relay's threads, which it has ended. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(DisplayRelay.class);

  private final Settings settings;
  private final SSLContext tls;
  private final TicketCheck tickets;
  private final LocalDisplays displays;
  private final DisplayActivity activity;
  private final Viewers<RelayedConnection> viewers;

  // Set by start.
  private ServerSocket listener;
  private Thread acceptor;
  private ExecutorService threads;
  private ScheduledThreadPoolExecutor timer;
  private RelayedConnection.Shared shared;
  // Guarded by itself: the connections not yet ended; none are added once closed.
  private final Set<RelayedConnection> connections = new HashSet<>();
  private boolean closed;  // guarded by connections

  /**
   * A relay that speaks TLS with {@code tls}, which must show this agent's certificate and trust
   * brokers' only (shardbroker-security's {@code JsseTls.context(credentials, Set.of(Role.BROKER))}).
   */
  public DisplayRelay(Settings settings, SSLContext tls, TicketCheck tickets, LocalDisplays displays,
      DisplayActivity activity) {
    this(Objects.requireNonNull(tls, "display relay: a TLS context must be given; "
        + "DisplayRelay.withoutTls makes a plaintext relay"), settings, tickets, displays, activity);
  }

  /**
   * A relay without TLS: anyone who reaches its port may present tickets and see what passes. Only
   * for tests and for a port that nothing but a trusted proxy can reach.
   */
  public static DisplayRelay withoutTls(Settings settings, TicketCheck tickets, LocalDisplays displays,
      DisplayActivity activity) {
    return new DisplayRelay(null, settings, tickets, displays, activity);
  }

  /** With {@code tls} null for plaintext. */
  private DisplayRelay(SSLContext tls, Settings settings, TicketCheck tickets, LocalDisplays displays,
      DisplayActivity activity) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.tls = tls;
    this.tickets = Objects.requireNonNull(tickets, "tickets");
    this.displays = Objects.requireNonNull(displays, "displays");
    this.activity = Objects.requireNonNull(activity, "activity");
    this.viewers = new Viewers<>(settings.maxOpen(), activity);
  }

  /** Binds and starts accepting brokers. */
  public synchronized void start() throws IOException {
    synchronized (connections) {
      if (listener != null || closed) {
        throw new IllegalStateException("display relay: started already, or closed");
      }
    }
    ServerSocket bound = new ServerSocket();
    try {
      bound.bind(new InetSocketAddress(settings.bindAddress(), settings.port()));
    } catch (IOException e) {
      bound.close();
      throw new IOException("display relay: cannot listen on " + settings.bindAddress().getHostAddress()
          + " port " + settings.port() + ": " + e.getMessage(), e);
    }
    listener = bound;
    String name = "display-relay-" + listener.getLocalPort();
    threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-connection-", 0).factory());
    timer = new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name(name + "-timer").factory());
    timer.setRemoveOnCancelPolicy(true);
    shared = new RelayedConnection.Shared(tls, tls == null ? null : tlsParameters(tls), settings.handshakeTimeout(),
        tickets, displays, activity, viewers, threads, timer, this::ended);
    acceptor = Thread.ofVirtual().name(name).start(this::accept);
    if (tls == null) {
      log.warn("display relay without TLS: any client that reaches {} port {} may present tickets, and "
          + "desktops pass in the clear", settings.bindAddress().getHostAddress(), port());
    } else {
      log.info("display relay listens on {} port {}", settings.bindAddress().getHostAddress(), port());
    }
  }

  /** The port it listens on. */
  public synchronized int port() {
    if (listener == null) {
      throw new IllegalStateException("display relay: not started");
    }
    return listener.getLocalPort();
  }

  /** How many displays it relays now, counting those whose connection is still in its handshake. */
  public int openDisplays() {
    return viewers.open();
  }

  /** Stops listening, ends every connection and waits for the relay's threads to end. */
  @Override
  public synchronized void close() {
    List<RelayedConnection> open;
    synchronized (connections) {
      if (closed) {
        return;
      }
      closed = true;
      open = List.copyOf(connections);
    }
    if (listener == null) {
      return;
    }
    try {
      listener.close();
    } catch (IOException e) {
      log.warn("display relay: closing the listener failed: {}", e.toString());
    }
    open.forEach(RelayedConnection::close);
    threads.shutdown();
    timer.shutdownNow();
    try {
      acceptor.join(CLOSE_WAIT);
      if (!threads.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
          || !timer.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("display relay: some of its threads did not end within {}", CLOSE_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("display relay on port {} closed", listener.getLocalPort());
  }

  private void accept() {
    while (true) {
      Socket tcp;
      try {
        tcp = listener.accept();
      } catch (IOException e) {
        if (listener.isClosed()) {
          return;
        }
        // Out of file descriptors, say: it may pass, so pause rather than spin or give up.
        log.warn("display relay: accepting failed: {}", e.toString());
        try {
          Thread.sleep(ACCEPT_PAUSE);
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      synchronized (connections) {
        if (closed || connections.size() >= settings.maxOpen() + MAX_HANDSHAKES) {
          if (!closed) {
            log.info("display relay: too many connections; closing the one from {}", tcp.getRemoteSocketAddress());
          }
          closeQuietly(tcp);
          continue;
        }
        RelayedConnection connection = new RelayedConnection(tcp, shared);
        connections.add(connection);
        threads.execute(connection);
      }
    }
  }

  private void ended(RelayedConnection connection) {
    synchronized (connections) {
      connections.remove(connection);
    }
  }

  /** What shardbroker-security's {@code JsseTls.parameters(tls, true)} gives: TLS 1.3, client certificate required. */
  private static SSLParameters tlsParameters(SSLContext tls) {
    SSLParameters parameters = tls.getDefaultSSLParameters();
    parameters.setProtocols(new String[] {TLS_1_3});
    parameters.setNeedClientAuth(true);
    return parameters;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing: nothing left to do
    }
  }
}
