package io.shardbroker.agent.display;

/**
 * Why the display relay turned a broker's request down: a {@link Code} and a message for the user,
 * which go to the broker, and a reason for the agent's log, which does not.
 */
final class RelayRefusal extends Exception {

  /** The closed set of error codes of the relay's answer line (see {@link DisplayRelay}). */
  enum Code {
    BAD_REQUEST("bad-request", "The desktop could not be reached: the connection request was not understood."),
    TICKET_REFUSED("ticket-refused",
        "This connection ticket is not valid any more (it was used or has expired). Connect again from the portal."),
    DISPLAY_GONE("display-gone", "This desktop session is no longer running."),
    DISPLAY_UNREACHABLE("display-unreachable", "The desktop does not answer. Try again in a moment."),
    BUSY("busy", null);

    private final String wire;
    private final String message;

    Code(String wire, String message) {
      this.wire = wire;
      this.message = message;
    }

    /** The code as the answer line spells it. */
    String wire() {
      return wire;
    }
  }

  private final Code code;
  private final String userMessage;

  /** A refusal with {@code code}'s message for the user, for {@code reason} (logged, never sent). */
  RelayRefusal(Code code, String reason) {
    this(code, code.message, reason);
  }

  private RelayRefusal(Code code, String userMessage, String reason) {
    super(reason, null, false, false);
    this.code = code;
    this.userMessage = userMessage;
  }

  /** The relay relays {@code maxOpen} displays already. */
  static RelayRefusal busy(int maxOpen) {
    return new RelayRefusal(Code.BUSY,
        "This desktop's machine already relays " + maxOpen + " displays, the most it allows. Try again later.",
        "all " + maxOpen + " displays are in use");
  }

  Code code() {
    return code;
  }

  /** What the user may be shown. */
  String userMessage() {
    return userMessage;
  }
}
