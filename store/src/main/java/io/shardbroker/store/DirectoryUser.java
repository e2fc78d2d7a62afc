package io.shardbroker.store;

import java.util.List;

/**
 * A user as a {@link Directory} knows them, after a successful sign-in.
 *
 * @param name the user's name as the directory holds it (it may differ in case from the one typed)
 * @param displayName how people see the user; the name when the directory has none
 * @param groups the names of the directory groups the user is a member of, sorted, without repeats.
 *     A group named {@link Group#ADMINS} among them counts for nothing: directory groups name
 *     store groups, but never the admins'
 * @param admin true when the user is in a directory group that the broker's config maps to the
 *     store's {@link Group#ADMINS}; the one way a directory makes an admin
 */
public record DirectoryUser(String name, String displayName, List<String> groups, boolean admin) {

  public DirectoryUser {
    if (name == null) {
      throw new IllegalArgumentException("a directory user has a name");
    }
    displayName = displayName == null ? name : displayName;
    groups = groups == null ? List.of() : groups.stream().distinct().sorted().toList();
  }

  /** A user who is no admin. */
  public DirectoryUser(String name, String displayName, List<String> groups) {
    this(name, displayName, groups, false);
  }
}
