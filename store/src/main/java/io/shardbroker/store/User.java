package io.shardbroker.store;

import java.time.Instant;
import java.util.List;

/** A local user; the password is kept only as a slow salted hash and never leaves the store. */
public record User(String name, String displayName, boolean enabled, List<String> groups, Instant createdAt) {

  /** A user to create; {@code groups} must exist. */
  public record New(String name, String displayName, String password, boolean enabled, List<String> groups) {}

  /** What an update changes; a null field stays as it is. */
  public record Change(String displayName, String password, Boolean enabled) {}
}
