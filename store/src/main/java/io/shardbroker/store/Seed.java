package io.shardbroker.store;

import java.util.List;

/**
 * What a fresh install starts with (from a config file): applied at every start, it creates only
 * what is missing and never changes what exists, so an admin's later edits stay.
 */
public record Seed(
    List<Pool> pools, List<Group> groups, List<User.New> users, List<SeedEntitlement> entitlements) {

  /** {@code user} or {@code group} is set, not both. */
  public record SeedEntitlement(String pool, String user, String group) {}

  public static final Seed EMPTY = new Seed(List.of(), List.of(), List.of(), List.of());
}
