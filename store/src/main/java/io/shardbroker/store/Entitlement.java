package io.shardbroker.store;

import java.time.Instant;

/** A user or a group may use a pool. */
public record Entitlement(long id, String pool, Principal principal, Instant createdAt) {

  /** Who an entitlement is for. */
  public record Principal(Kind kind, String name) {
    public enum Kind { USER, GROUP }

    public static Principal user(String name) {
      return new Principal(Kind.USER, name);
    }

    public static Principal group(String name) {
      return new Principal(Kind.GROUP, name);
    }
  }
}
