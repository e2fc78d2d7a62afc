package io.shardbroker.broker;

/** Checks a user's credentials. Implementations are thread-safe. */
public interface Authenticator {

  /** True when {@code password} is this user's password (and the user may sign in). */
  boolean authenticate(String user, String password);
}
