package io.shardbroker.cli.admin;

/**
 * Why an admin command did not do what it was asked, with the exit code that tells a script what
 * kind of failure it was. The message is one line for people, without the command's name.
 */
final class AdminFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure, each with its exit code. */
  enum Kind {
    /** The broker answered with an error; the message carries its code and request id. */
    API(1),
    /** The command line or its configuration is wrong; nothing was sent. */
    USAGE(2),
    /** The broker could not be reached, or did not answer in time. */
    UNREACHABLE(3);

    final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }
  }

  private final Kind kind;

  AdminFailure(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  static AdminFailure usage(String message) {
    return new AdminFailure(Kind.USAGE, message);
  }
}
