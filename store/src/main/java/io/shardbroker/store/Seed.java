package io.shardbroker.store;

import java.util.List;

/**
 * What a fresh install starts with (from a config file). Applied at every start, but each item
 * only once in the store's life: it creates what is missing the first time it names it, and never
 * changes what exists nor brings back what an admin deleted (see {@link Store#apply}).
 */
public record Seed(
    List<Pool> pools, List<Group> groups, List<User.New> users, List<SeedEntitlement> entitlements) {

  /** {@code user} or {@code group} is set, not both. */
  public record SeedEntitlement(String pool, String user, String group) {}

  public static final Seed EMPTY = new Seed(List.of(), List.of(), List.of(), List.of());
}
