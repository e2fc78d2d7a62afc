package io.shardbroker.agent.display;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A broker's side of the display relay's wire contract, for tests: what the gateway will do. */
final class RelayClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a ServerInit says. */
  record ServerInit(int width, int height, String name) {}

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RelayClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(20_000);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to {@code port} on loopback; with {@code tls} null, without TLS. */
  static RelayClient dial(int port, SSLContext tls) throws IOException {
    InetSocketAddress relay = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    if (tls == null) {
      Socket plain = new Socket();
      plain.connect(relay, 5_000);
      return new RelayClient(plain);
    }
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket();
    SSLParameters parameters = tls.getDefaultSSLParameters();
    parameters.setProtocols(new String[] {"TLSv1.3"});
    ssl.setSSLParameters(parameters);
    ssl.connect(relay, 5_000);
    return new RelayClient(ssl);
  }

  /** Sends a request line and reads the relay's answer. */
  JsonNode request(String ticket, String user, String sessionId) throws IOException {
    sendLine(JSON.writeValueAsString(Map.of("ticket", ticket, "user", user, "sessionId", sessionId)));
    return answer();
  }

  void sendLine(String line) throws IOException {
    send((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  void send(byte... bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The relay's answer line. */
  JsonNode answer() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("the relay closed without an answer line");
      }
      line.write(b);
    }
    return JSON.readTree(line.toByteArray());
  }

  /** The client's part of RFB up to the end of security, speaking {@code version} (e.g. "003.008"). */
  void handshake(String version) throws IOException {
    assertThat(new String(read(12), StandardCharsets.US_ASCII)).isEqualTo("RFB 003.008\n");
    send(("RFB " + version + "\n").getBytes(StandardCharsets.US_ASCII));
    if (version.equals("003.003")) {
      assertThat(in.readInt()).as("security type").isEqualTo(1);
      return;
    }
    assertThat(read(in.readUnsignedByte())).as("security types").containsExactly(1);
    send((byte) 1);
    if (version.equals("003.008")) {
      assertThat(in.readInt()).as("security result").isZero();
    }
  }

  /** Sends ClientInit and reads ServerInit. */
  ServerInit init(boolean shared) throws IOException {
    send((byte) (shared ? 1 : 0));
    int width = in.readUnsignedShort();
    int height = in.readUnsignedShort();
    read(16);  // pixel format
    String name = new String(read(in.readInt()), StandardCharsets.UTF_8);
    return new ServerInit(width, height, name);
  }

  byte[] read(int n) throws IOException {
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return bytes;
  }

  DataInputStream in() {
    return in;
  }

  /** Whether the relay closed the connection: a read ends or fails, rather than waiting. */
  boolean closedByRelay() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
