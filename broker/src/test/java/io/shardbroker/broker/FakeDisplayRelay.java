package io.shardbroker.broker;

import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.Role;
import io.shardbroker.security.TlsCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * An agent's display relay for the gateway's tests, on a loopback port: a TLS server with an
 * agent's certificate that takes brokers only (or plain TCP), speaking the relay's side of the protocol. It
 * records each request line, answers as the test says, and after {@code ok} sends an RFB version
 * and then echoes every byte it gets.
 */
final class FakeDisplayRelay implements AutoCloseable {

  /**
   * How the relay answers the next requests: ok and echo, refuse the ticket, say nothing, or ok
   * and then send as fast as the broker takes it.
   */
  enum Answer { OK, TICKET_REFUSED, SILENT, FLOOD }

  static final String RFB_VERSION = "RFB 003.008\n";

  volatile Answer answer = Answer.OK;
  /** Every complete request line, in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();
  /** Connections accepted, and those over: the broker closed them or they failed. */
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicInteger ended = new AtomicInteger();
  /** Bytes sent by {@link Answer#FLOOD}. */
  final AtomicLong flooded = new AtomicLong();
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  /** A relay with {@code agent}'s certificate; null: in plain TCP, as an agent under --insecure. */
  FakeDisplayRelay(TlsCredentials agent) throws IOException {
    if (agent == null) {
      this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
    } else {
      SSLContext context = JsseTls.context(agent, Set.of(Role.BROKER));
      SSLServerSocket tls = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0, 16, InetAddress.getLoopbackAddress());
      tls.setSSLParameters(JsseTls.parameters(context, true));
      this.server = tls;
    }
    Thread.ofVirtual().name("fake-relay-" + port()).start(this::acceptAll);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Where a session's agent would say its display is. */
  Connection connection() {
    return Connection.newBuilder().setProtocol("vnc").setHost("127.0.0.1").setPort(port()).build();
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        open.add(socket);
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return;  // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String request = line(in);
      if (request == null) {
        return;
      }
      requests.add(request);
      switch (answer) {
        case OK -> {
          out.write(("{\"ok\":true}\n" + RFB_VERSION).getBytes(StandardCharsets.US_ASCII));
          out.flush();
          in.transferTo(out);  // echoes until the broker closes
        }
        case TICKET_REFUSED -> {
          String ticket = TestBroker.JSON.readTree(request).path("ticket").asText();
          out.write(("{\"ok\":false,\"error\":\"ticket-refused\",\"message\":\"ticket " + ticket
              + " was used already\"}\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        case SILENT -> in.transferTo(OutputStream.nullOutputStream());  // until the broker gives up
        case FLOOD -> {
          out.write("{\"ok\":true}\n".getBytes(StandardCharsets.US_ASCII));
          byte[] screenful = new byte[16 * 1024];
          while (true) {  // until the broker closes
            out.write(screenful);
            flooded.addAndGet(screenful.length);
          }
        }
      }
    } catch (IOException e) {
      // the broker closed or broke off: what the tests look at is that it ended
    } finally {
      open.remove(socket);
      ended.incrementAndGet();
    }
  }

  /** The next line without its newline; null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        return null;
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
