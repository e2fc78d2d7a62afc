package io.shardbroker.store;

import java.util.List;
import java.util.Optional;

/**
 * Local users and groups. Passwords are hashed with Argon2id (Bouncy Castle) under a random salt
 * and checked in constant time. Every change is written to the audit log in the same transaction.
 *
 * <p>The admin API is for enabled members of {@link Group#ADMINS}, so a change that would leave
 * none when there was one (deleting or disabling the last one, removing them from the group,
 * deleting the group) is refused with {@link StoreException.Kind#CONFLICT}, also when two such
 * changes race.
 */
public interface AccountStore {

  /** All users, by name. */
  List<User> users();

  Optional<User> user(String name);

  /** @throws StoreException INVALID (field named), CONFLICT when the name is taken, NOT_FOUND for an unknown group */
  User createUser(User.New user, Actor by);

  /** @throws StoreException NOT_FOUND, INVALID, CONFLICT when it disables the last enabled admin */
  User updateUser(String name, User.Change change, Actor by);

  /**
   * Deletes the user with their memberships, entitlements and assignments.
   * @throws StoreException NOT_FOUND, CONFLICT for the last enabled admin
   */
  void deleteUser(String name, Actor by);

  /**
   * The user, when the password is theirs and they are enabled; empty otherwise (unknown users
   * cost the same slow hash, so timing tells nothing). Slow by design: cache the outcome.
   */
  Optional<User> verify(String name, String password);

  /** All groups, by name, with their members. */
  List<Group> groups();

  Optional<Group> group(String name);

  /** @throws StoreException INVALID, CONFLICT */
  Group createGroup(String name, String description, Actor by);

  /**
   * Deletes the group with its memberships and entitlements.
   * @throws StoreException NOT_FOUND, CONFLICT for the admins group while it has enabled members
   */
  void deleteGroup(String name, Actor by);

  /** Idempotent. @throws StoreException NOT_FOUND for an unknown user or group */
  void addMember(String group, String user, Actor by);

  /** @throws StoreException NOT_FOUND when the user is not a member, CONFLICT for the last enabled admin */
  void removeMember(String group, String user, Actor by);
}
