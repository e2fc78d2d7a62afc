package io.shardbroker.broker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Users and passwords from the configuration file, until the store brings real accounts. Passwords
 * are kept only as SHA-256 digests in memory and compared in constant time, so a timing attack
 * tells nothing, and an unknown user costs the same as a wrong password.
 */
public final class ConfiguredUsers implements Authenticator {

  private final Map<String, byte[]> digests = new HashMap<>();
  private final byte[] nobody = digest("\0no such user\0");

  /** @param passwords user name -> password */
  public ConfiguredUsers(Map<String, String> passwords) {
    passwords.forEach((user, password) -> {
      BrokerSettings.requireName("user name", user);
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("user " + user + " has an empty password");
      }
      digests.put(user, digest(password));
    });
  }

  @Override
  public boolean authenticate(String user, String password) {
    byte[] expected = digests.getOrDefault(user, nobody);
    boolean matches = MessageDigest.isEqual(expected, digest(password));
    return matches && expected != nobody;
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
