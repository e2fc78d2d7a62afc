package io.shardbroker.broker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.security.Identity;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's side of an agent's display relay. The broker dials the session's
 * {@code connection.host:port} in TLS 1.3 with its own certificate, and after the handshake checks
 * that the relay's certificate is of an agent that may act as the session's VM, so that no other
 * agent ever sees the ticket. It then sends one line, a JSON object of at most
 * {@value #MAX_LINE} bytes ({@code {"ticket": ..., "user": ..., "sessionId": ...}}), and the relay
 * answers one line: {@code {"ok": true}}, after which the stream is the display's RFB from its
 * first byte, or {@code {"ok": false, "error": code, "message": text}} and it closes. Under
 * {@code --insecure} (a broker without a certificate) the same runs over plain TCP, with a warning.
 *
 * <p>Thread-safe; each {@link #dial} blocks its caller, at most for the connect timeout and then
 * the answer timeout.
 */
final class RelayDialer {

  private static final Logger log = LoggerFactory.getLogger(RelayDialer.class);
  static final int MAX_LINE = 4096;

  /** A relay that said ok: its RFB stream is next on {@code stream}, over {@code socket}. */
  record Link(Socket socket, Socket stream) {
    InputStream in() throws IOException {
      return stream.getInputStream();
    }

    OutputStream out() throws IOException {
      return stream.getOutputStream();
    }
  }

  private final SSLContext tls;
  private final SSLParameters tlsParameters;
  private final Duration connectTimeout;
  private final Duration answerTimeout;
  private final AtomicBoolean warnedPlainText = new AtomicBoolean();

  RelayDialer(LinkSecurity links, DisplaySettings settings) {
    if (links.plaintext()) {
      this.tls = null;
      this.tlsParameters = null;
    } else {
      this.tls = JsseTls.context(links.credentials(), Set.of(Role.AGENT));
      this.tlsParameters = JsseTls.parameters(tls, false);
    }
    this.connectTimeout = settings.connectTimeout();
    this.answerTimeout = settings.answerTimeout();
  }

  /**
   * Asks the relay of {@code placed} for its display on behalf of {@code user}.
   *
   * @param attach told of the socket before it connects, so that whoever ends the display meanwhile
   *     can close it (which ends this dial); answers false when the display has ended already
   * @return the link, once the relay said ok; the caller closes its socket
   * @throws RelayFailure when the relay cannot be reached, is not the session's VM's, does not
   *     answer in time, or refuses; the socket is then left to the caller to close
   */
  Link dial(PlacedSession placed, String user, String ticket, Predicate<Socket> attach) throws RelayFailure {
    Connection at = placed.getSession().getConnection();
    String relay = "the display relay at " + at.getHost() + ":" + at.getPort();
    Socket socket = new Socket();
    if (!attach.test(socket)) {
      throw new RelayFailure(DisplayClose.ENDED_EARLY, "the display ended before " + relay + " was dialed");
    }
    try {
      socket.connect(new InetSocketAddress(at.getHost(), at.getPort()), (int) connectTimeout.toMillis());
      socket.setTcpNoDelay(true);  // keystrokes and pointer moves are small and wait for nothing
    } catch (IOException e) {
      throw new RelayFailure(DisplayClose.UNREACHABLE, "cannot reach " + relay + ": " + e.getMessage());
    }
    // One bound on the handshake, the request and the answer: past it the socket is closed,
    // which ends whichever of them is waiting.
    CompletableFuture<Void> answered = new CompletableFuture<>();
    answered.orTimeout(answerTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(timedOut -> {
          closeQuietly(socket);
          return null;
        });
    try {
      Socket stream = tls == null ? plain(socket, relay) : verified(socket, at, placed.getVmId(), relay);
      OutputStream out = stream.getOutputStream();
      out.write(request(ticket, user, placed.getSession().getSessionId()));
      out.flush();
      JsonNode reply = reply(stream.getInputStream(), relay);
      if (!answered.complete(null)) {
        throw new IOException("answered too late");
      }
      if (!reply.path("ok").asBoolean(false)) {
        throw refusal(reply, relay, ticket);
      }
      return new Link(socket, stream);
    } catch (IOException e) {
      if (answered.isCompletedExceptionally()) {
        throw new RelayFailure(DisplayClose.NO_ANSWER, relay + " did not answer within " + answerTimeout);
      }
      if (e instanceof SSLHandshakeException) {
        throw new RelayFailure(DisplayClose.NOT_VERIFIED, relay + " failed the TLS handshake: " + e.getMessage(),
            "display.relay.refuse");
      }
      throw new RelayFailure(DisplayClose.LOST, relay + " broke off: " + e.getMessage());
    } finally {
      answered.complete(null);  // cancels the bound when it has not run
    }
  }

  private Socket plain(Socket socket, String relay) {
    if (warnedPlainText.compareAndSet(false, true)) {
      log.warn("INSECURE: displays reach agents' display relays in plain TCP (the broker has no certificate, "
          + "--insecure), first {}: screens and keystrokes cross the network readable", relay);
    }
    return socket;
  }

  /** The TLS stream over {@code socket}, once the relay proved it is an agent that may act as {@code vmId}. */
  private SSLSocket verified(Socket socket, Connection at, String vmId, String relay)
      throws IOException, RelayFailure {
    SSLSocket stream = (SSLSocket) tls.getSocketFactory().createSocket(socket, at.getHost(), at.getPort(), true);
    stream.setSSLParameters(tlsParameters);
    stream.startHandshake();
    Identity agent = Identity.of((X509Certificate) stream.getSession().getPeerCertificates()[0]);
    if (!agent.mayActAsVm(vmId)) {
      throw new RelayFailure(DisplayClose.NOT_VERIFIED, relay + " is " + agent + ", which may not serve VM " + vmId,
          "display.relay.refuse");
    }
    return stream;
  }

  private static byte[] request(String ticket, String user, String sessionId) throws RelayFailure {
    ObjectNode request = Json.MAPPER.createObjectNode().put("ticket", ticket).put("user", user)
        .put("sessionId", sessionId);
    byte[] line = (request.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    if (line.length > MAX_LINE) {  // DisplayCredentials and the names' rules keep it far below
      throw new RelayFailure(DisplayClose.BROKER_FAILED, "the request for session " + sessionId + " would be "
          + line.length + " bytes, more than the relay takes");
    }
    return line;
  }

  /** The relay's answer line as JSON; reads byte by byte so that no byte of the RFB stream after it is taken. */
  private static JsonNode reply(InputStream in, String relay) throws IOException, RelayFailure {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new RelayFailure(DisplayClose.LOST, relay + " closed without answering");
      }
      if (line.size() == MAX_LINE) {
        throw new RelayFailure(DisplayClose.LOST, relay + " answered with a line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
    try {
      JsonNode reply = Json.MAPPER.readTree(line.toString(StandardCharsets.UTF_8));
      if (reply != null && reply.isObject() && reply.path("ok").isBoolean()) {
        return reply;
      }
    } catch (JsonProcessingException e) {
      // told below
    }
    throw new RelayFailure(DisplayClose.LOST, relay + " answered something else than {\"ok\": ...}");
  }

  private static RelayFailure refusal(JsonNode reply, String relay, String ticket) {
    String error = reply.path("error").asText("");
    String message = reply.path("message").asText("");
    // The relay's words go to the log and the audit log: keep them short, and never the ticket.
    message = Refusals.printable(message.replace(ticket, "(ticket)"));
    DisplayClose close = DisplayClose.ofRelayError(error);
    return new RelayFailure(close, relay + " refused (" + Refusals.printable(error) + "): " + message,
        close == DisplayClose.TICKET_REFUSED ? "display.ticket.refuse" : null);
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing is all that was asked
    }
  }
}
