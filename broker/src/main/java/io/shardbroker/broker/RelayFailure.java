package io.shardbroker.broker;

/**
 * Why an agent's display relay did not give a display: what the browser is told, what the log is
 * told, and the audit action when it is one an administrator should see (a refused ticket, a relay
 * that is not the session's VM); the message never holds a ticket or token.
 */
final class RelayFailure extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient DisplayClose close;
  private final String auditAction;

  RelayFailure(DisplayClose close, String message) {
    this(close, message, null);
  }

  /** @param auditAction e.g. {@code display.ticket.refuse}; null when not audited */
  RelayFailure(DisplayClose close, String message, String auditAction) {
    super(message, null, false, false);
    this.close = close;
    this.auditAction = auditAction;
  }

  DisplayClose close() {
    return close;
  }

  /** The audit log's action for this failure, or null when it is only logged. */
  String auditAction() {
    return auditAction;
  }
}
