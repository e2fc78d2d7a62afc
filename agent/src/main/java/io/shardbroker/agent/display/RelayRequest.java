package io.shardbroker.agent.display;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.shardbroker.agent.display.RelayRefusal.Code;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A broker's request line: {@code {"ticket":"sct-...","user":"bob","sessionId":"..."}} and a
 * newline. Fields it does not know are ignored, so a broker may add some.
 *
 * @param ticket the one-time ticket; a secret, never logged or sent back
 * @param user who connects
 * @param sessionId the session the ticket should admit to
 */
record RelayRequest(String ticket, String user, String sessionId) {

  /** The most bytes a request line may have before its newline. */
  static final int MAX_LINE_BYTES = 4096;

  private static final ObjectReader JSON =
      new ObjectMapper().readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @Override
  public String toString() {
    return "RelayRequest[user=" + user + ", sessionId=" + sessionId + "]";
  }

  /**
   * Reads one request line from {@code socket}, which must arrive whole before {@code deadline}
   * ({@link System#nanoTime}). Reads byte by byte so nothing past the newline is taken.
   *
   * @throws RelayRefusal bad-request for a line that is late, too long or not a request
   * @throws IOException when the connection fails or ends first
   */
  static RelayRequest read(Socket socket, long deadline) throws IOException, RelayRefusal {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw late();
      }
      socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
      int b;
      try {
        b = in.read();
      } catch (SocketTimeoutException e) {
        throw late();
      }
      if (b < 0) {
        throw new IOException("the broker closed the connection before its request line ended");
      }
      if (b == '\n') {
        return parse(line.toByteArray());
      }
      if (line.size() == MAX_LINE_BYTES) {
        throw new RelayRefusal(Code.BAD_REQUEST, "request line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(b);
    }
  }

  /** The request in {@code line} (without its newline). */
  static RelayRequest parse(byte[] line) throws RelayRefusal {
    JsonNode json;
    try {
      json = JSON.readValue(line);
    } catch (IOException e) {
      // Not Jackson's message: it quotes the input, and so could quote the ticket.
      throw new RelayRefusal(Code.BAD_REQUEST, "request line is not JSON");
    }
    if (json == null || !json.isObject()) {
      throw new RelayRefusal(Code.BAD_REQUEST, "request line is not a JSON object");
    }
    return new RelayRequest(text(json, "ticket"), text(json, "user"), text(json, "sessionId"));
  }

  private static String text(JsonNode json, String field) throws RelayRefusal {
    JsonNode value = json.get(field);
    if (value == null || !value.isTextual() || value.textValue().isBlank()) {
      throw new RelayRefusal(Code.BAD_REQUEST, "request has no " + field);
    }
    if (value.textValue().chars().anyMatch(Character::isISOControl)) {
      // they go into log lines
      throw new RelayRefusal(Code.BAD_REQUEST, "request's " + field + " has control characters");
    }
    return value.textValue();
  }

  private static RelayRefusal late() {
    return new RelayRefusal(Code.BAD_REQUEST, "no whole request line within the handshake timeout");
  }
}
