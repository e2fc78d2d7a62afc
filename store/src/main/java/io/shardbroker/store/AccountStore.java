package io.shardbroker.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Local users and groups. Passwords are hashed with Argon2id (Bouncy Castle) under a random salt
 * and checked in constant time. Every change is written to the audit log in the same transaction.
 *
 * <p>The admin API is for enabled members of {@link Group#ADMINS}, so a change that would leave
 * none when there was one (deleting or disabling the last one, removing them from the group,
 * deleting the group) is refused with {@link Reason#CONFLICT}, also when two such
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
   * The instant before which the sign-in tokens of an enabled user are void, {@link Instant#EPOCH}
   * when none is; empty for a disabled or unknown user, none of whose tokens is good. One quick
   * read, made for every request that carries a token.
   *
   * <p>Every change that should end a user's sign-ins moves it to the time of the change, in the
   * change's transaction: their creation, a password change, a disable, a removal from a group
   * (by an admin, by deleting the group, or by the directory at a sign-in), and {@link
   * #signOutEverywhere}. Brokers sharing the store all see it at once.
   */
  Optional<Instant> tokensValidAfter(String name);

  /**
   * Voids every sign-in token of the user issued until now, at every broker of the store. Audited
   * as {@code user.sign-out}.
   * @throws StoreException NOT_FOUND
   */
  void signOutEverywhere(String name, Actor by);

  /**
   * The user, when the password is theirs and they are enabled; empty otherwise (unknown users
   * cost the same slow hash, so timing tells nothing). Slow by design: cache the outcome.
   */
  Optional<User> verify(String name, String password);

  /**
   * True when the user exists and signs in with a password kept here (enabled or not); false for
   * an unknown user and for one kept in step with a {@link Directory} by {@link #syncDirectoryUser}.
   * One quick read: {@link Authenticator} asks it to decide where a password is checked.
   */
  boolean hasLocalPassword(String name);

  /**
   * Brings the store's copy of a user who just signed in through a {@link Directory} in step with
   * it, so that entitlements (by user, or by group) work for them as for a local user:
   * <ul>
   *   <li>creates the user when missing: enabled, with no password (none ever matches, so {@link
   *       #verify} never accepts them);
   *   <li>sets their display name to the directory's (their name when the directory's has none
   *       or one the store cannot take);
   *   <li>sets their memberships to exactly those of the directory's groups that exist in the
   *       store: a directory group counts once an admin creates a store group of the same name
   *       (other directory groups are ignored, and memberships an admin added here are removed).
   *       {@link Group#ADMINS} is the exception: a directory group of that name counts for
   *       nothing, and the user is in it exactly when {@link DirectoryUser#admin} (a directory
   *       group the config maps to it). The last enabled admin stays in {@link Group#ADMINS}, as
   *       elsewhere.
   * </ul>
   * Audited (user.create, or user.sync with what changed) only when something changed.
   *
   * <p>Local users come first: a user with a password here is never touched (CONFLICT). An admin
   * may still manage a directory user here: disabled, they stay disabled (the returned user says
   * so, and they must be refused); given a password, they become a local user; deleted, they come
   * back at their next sign-in (disable them to keep them out).
   *
   * @throws StoreException INVALID for a name the store cannot take; CONFLICT when a local user
   *     has the name
   */
  User syncDirectoryUser(DirectoryUser user, Actor by);

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
