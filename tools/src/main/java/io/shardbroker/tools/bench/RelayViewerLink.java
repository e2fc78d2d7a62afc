package io.shardbroker.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.shardbroker.harness.JsonHttp;
import io.shardbroker.security.JsseTls;
import io.shardbroker.security.LinkSecurity;
import io.shardbroker.security.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A viewer straight on an agent's display relay, without the broker: it dials the relay as the
 * broker's {@code RelayDialer} does (TCP without Nagle, TLS 1.3 with a broker's certificate, the
 * one request line, the relay's answer line read byte by byte) and then reads the RFB stream into
 * one buffer of the broker's pump size, as {@code DisplayBridge} does. The display benchmark's
 * middle row: what the relay alone costs, so that the broker's share of the path shows.
 */
final class RelayViewerLink implements ViewerLink {

  /** What it reads at most at once: one TLS record's bytes. */
  static final int BUFFER = 16 * 1024;
  private static final int MAX_LINE = 4096;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buffer = new byte[BUFFER];

  private RelayViewerLink(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /**
   * Asks the relay at 127.0.0.1:{@code port} for {@code sessionId}'s display with {@code ticket}.
   *
   * @param security a broker's certificate of the cluster's CA, or plain text
   * @throws IOException when the relay cannot be reached or refuses
   */
  static RelayViewerLink open(LinkSecurity security, int port, String ticket, String user, String sessionId)
      throws IOException {
    Socket tcp = new Socket();
    try {
      tcp.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      tcp.setTcpNoDelay(true);
      Socket stream = tcp;
      if (!security.plaintext()) {
        SSLContext tls = JsseTls.context(security.credentials(), Set.of(Role.AGENT));
        SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(tcp, "127.0.0.1", port, true);
        secure.setSSLParameters(JsseTls.parameters(tls, false));
        secure.startHandshake();
        stream = secure;
      }
      RelayViewerLink link = new RelayViewerLink(stream);
      link.request(ticket, user, sessionId);
      return link;
    } catch (IOException e) {
      tcp.close();
      throw e;
    }
  }

  private void request(String ticket, String user, String sessionId) throws IOException {
    String line = JsonHttp.JSON.createObjectNode().put("ticket", ticket).put("user", user)
        .put("sessionId", sessionId).toString() + "\n";
    out.write(line.getBytes(StandardCharsets.UTF_8));
    out.flush();
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0 || answer.size() == MAX_LINE) {
        throw new IOException("the display relay broke off its answer");
      }
      answer.write(b);
    }
    JsonNode reply = JsonHttp.JSON.readTree(answer.toString(StandardCharsets.UTF_8));
    if (!reply.path("ok").asBoolean(false)) {
      throw new IOException("the display relay refused: " + reply);
    }
  }

  @Override
  public ByteBuffer next() throws IOException {
    int n = in.read(buffer);
    if (n < 0) {
      throw new IOException("the display relay closed");
    }
    return ByteBuffer.wrap(buffer, 0, n);
  }

  @Override
  public void send(ByteBuffer bytes) throws IOException {
    out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    out.flush();
    bytes.position(bytes.limit());
  }

  @Override
  public String describe() {
    return "TLS to the agent's display relay, as a broker dials it";
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing is all that was asked
    }
  }
}
