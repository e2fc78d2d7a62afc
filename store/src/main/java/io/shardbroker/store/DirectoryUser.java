package io.shardbroker.store;

import java.util.List;

/**
 * A user as a {@link Directory} knows them, after a successful sign-in.
 *
 * @param name the user's name as the directory holds it (it may differ in case from the one typed)
 * @param displayName how people see the user; the name when the directory has none
 * @param groups the names of the directory groups the user is a member of, sorted, without repeats
 */
public record DirectoryUser(String name, String displayName, List<String> groups) {

  public DirectoryUser {
    if (name == null) {
      throw new IllegalArgumentException("a directory user has a name");
    }
    displayName = displayName == null ? name : displayName;
    groups = groups == null ? List.of() : groups.stream().distinct().sorted().toList();
  }
}
