package io.shardbroker.agent.host;

/** A session host could not do what it was asked; the message is safe to show to an operator. */
public final class SessionHostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SessionHostException(String message) {
    super(message);
  }

  public SessionHostException(String message, Throwable cause) {
    super(message, cause);
  }
}
