package io.shardbroker.store;

import java.util.List;

/** A group of users; members of {@link #ADMINS} may use the admin API. */
public record Group(String name, String description, List<String> members) {
  public static final String ADMINS = "admins";
}
