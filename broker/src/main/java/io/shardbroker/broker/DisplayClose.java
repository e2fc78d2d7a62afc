package io.shardbroker.broker;

import java.nio.charset.StandardCharsets;

/**
 * How a display ends for the browser: the WebSocket close code and a reason for people. The codes
 * of the broker's own are 4xxx, their last three digits those of the HTTP status that means the
 * same (4401: the ticket is not good; 4410: the desktop is gone; 4502: it does not answer).
 *
 * @param code 1000..4999
 * @param reason at most 123 bytes of UTF-8, all a close frame holds
 */
record DisplayClose(int code, String reason) {

  /** The relay ended the stream: the desktop's session ended or its display server stopped. */
  static final DisplayClose DESKTOP_CLOSED = new DisplayClose(1000, "the desktop closed the display");
  /** The display had ended before its relay was dialed (the browser closed it, mostly). */
  static final DisplayClose ENDED_EARLY = new DisplayClose(1000, "the display ended before the desktop was reached");
  /** A send to the browser failed: its WebSocket is gone. */
  static final DisplayClose BROWSER_LOST = new DisplayClose(1001, "the browser's connection was lost");
  /** The broker is stopping or the display's thread was interrupted. */
  static final DisplayClose GOING_AWAY = new DisplayClose(1001, "the broker is stopping");
  static final DisplayClose TEXT_REFUSED = new DisplayClose(1003, "the display takes binary messages only");
  static final DisplayClose BROKER_FAILED = new DisplayClose(1011, "the broker failed; its log tells more");
  /** The relay did not understand the broker's request: a broker and an agent that disagree on the protocol. */
  static final DisplayClose REQUEST_REFUSED = new DisplayClose(4400, "the desktop's agent did not understand the broker");
  static final DisplayClose TICKET_REFUSED =
      new DisplayClose(4401, "the ticket is used, expired or not yours; open the session again for a new one");
  /** The browser did not take a message of the desktop within the idle timeout. */
  static final DisplayClose BROWSER_STALLED = new DisplayClose(4408, "the browser stopped reading the display");
  static final DisplayClose DESKTOP_GONE = new DisplayClose(4410, "the desktop's display is gone");
  static final DisplayClose DESKTOP_BUSY = new DisplayClose(4429, "the desktop's agent is busy; try again shortly");
  static final DisplayClose UNREACHABLE = new DisplayClose(4502, "the desktop does not answer");
  /** The relay's certificate is not of the session's VM (or not of an agent at all). */
  static final DisplayClose NOT_VERIFIED = new DisplayClose(4502, "the desktop's agent failed the identity check");
  static final DisplayClose LOST = new DisplayClose(4502, "the connection to the desktop was lost");
  static final DisplayClose NO_ANSWER = new DisplayClose(4504, "the desktop's agent did not answer in time");
  /** The relay did not take a message of the browser within the idle timeout. */
  static final DisplayClose RELAY_STALLED = new DisplayClose(4504, "the desktop stopped taking input");

  DisplayClose {
    if (code < 1000 || code > 4999) {
      throw new IllegalArgumentException("a WebSocket close code is 1000..4999, got " + code);
    }
    if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
      throw new IllegalArgumentException("a close reason holds at most 123 bytes, got '" + reason + "'");
    }
  }

  /**
   * How the browser (or Jetty, stopping) closed the WebSocket, for the log; never sent, so a code
   * such as 1006 (closed without a close frame) stands.
   */
  static DisplayClose byBrowser(int code, String reason) {
    String said = reason == null || reason.isBlank() ? "closed by the browser" : Refusals.printable(reason);
    while (said.getBytes(StandardCharsets.UTF_8).length > 123) {
      said = said.substring(0, said.length() - 1);
    }
    return new DisplayClose(code >= 1000 && code <= 4999 ? code : 1006, said);
  }

  /** A display past a limit of {@link OpenDisplays}; {@code why} names the limit. */
  static DisplayClose tooMany(String why) {
    return new DisplayClose(4429, why);
  }

  /** The close for a relay's refusal {@code error} (its answer's code); an unknown one reads as not answering. */
  static DisplayClose ofRelayError(String error) {
    return switch (error) {
      case "bad-request" -> REQUEST_REFUSED;
      case "ticket-refused" -> TICKET_REFUSED;
      case "display-gone" -> DESKTOP_GONE;
      case "busy" -> DESKTOP_BUSY;
      default -> UNREACHABLE;  // display-unreachable, or a code of a newer relay
    };
  }
}
