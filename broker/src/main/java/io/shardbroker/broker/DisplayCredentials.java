package io.shardbroker.broker;

import io.shardbroker.protocol.Reason;
import java.util.Enumeration;

/**
 * What a browser offers as WebSocket subprotocols when it opens a display, since a page cannot set
 * headers on a WebSocket: {@value #DISPLAY} (the protocol, which the broker selects),
 * {@value #TOKEN_PREFIX}{@code <bearer token>} and {@value #TICKET_PREFIX}{@code <ticket>}.
 *
 * <p>A subprotocol must be an HTTP token (RFC 6455 §4.1, RFC 9110 §5.6.2). Sign-in tokens
 * ({@code sbt2.} and two base64url parts joined by a dot, {@link SignInTokens}) and tickets
 * ({@code sct-} and base64url without padding) are made of letters, digits and {@code - _ .}
 * only, all token characters, so both ride as they are. The broker never selects, and so never
 * echoes, the token and ticket entries.
 *
 * @param display whether {@value #DISPLAY} was offered
 * @param token the bearer token, or null
 * @param ticket the one-time ticket, or null
 */
record DisplayCredentials(boolean display, String token, String ticket) {

  static final String DISPLAY = "shardbroker.display.v1";
  static final String TOKEN_PREFIX = "shardbroker.token.";
  static final String TICKET_PREFIX = "shardbroker.ticket.";
  /** Far above a real token (about 100 characters) or ticket (47). */
  private static final int MAX_LENGTH = 1024;

  /**
   * The credentials in the {@code Sec-WebSocket-Protocol} header lines of a request.
   *
   * @throws BrokerException {@code bad_request} when a token or ticket is offered twice or is too long
   */
  static DisplayCredentials of(Enumeration<String> headerLines) {
    boolean display = false;
    String token = null;
    String ticket = null;
    while (headerLines != null && headerLines.hasMoreElements()) {
      for (String offered : headerLines.nextElement().split(",")) {
        String protocol = offered.trim();
        if (protocol.equals(DISPLAY)) {
          display = true;
        } else if (protocol.startsWith(TOKEN_PREFIX)) {
          token = once(token, protocol.substring(TOKEN_PREFIX.length()), "bearer token");
        } else if (protocol.startsWith(TICKET_PREFIX)) {
          ticket = once(ticket, protocol.substring(TICKET_PREFIX.length()), "ticket");
        }
      }
    }
    return new DisplayCredentials(display, token, ticket);
  }

  private static String once(String earlier, String value, String what) {
    if (earlier != null) {
      throw new BrokerException(Reason.BAD_REQUEST, "offer one " + what + ", not several");
    }
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      throw new BrokerException(Reason.BAD_REQUEST, "the offered " + what + " is empty or too long");
    }
    return value;
  }

  /** Without the token and ticket: this may be logged. */
  @Override
  public String toString() {
    return "DisplayCredentials[display=" + display + ", token=" + (token != null) + ", ticket=" + (ticket != null) + "]";
  }
}
