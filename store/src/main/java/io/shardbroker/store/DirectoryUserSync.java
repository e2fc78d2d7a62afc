package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps the store's copy of a user who signed in through a {@link Directory}: {@link
 * AccountStore#syncDirectoryUser}. Such a user's row holds {@link PasswordHasher#DIRECTORY_USER}
 * in place of a hash; a row with a real hash is a local user, which this never changes.
 *
 * <p>A sign-in that changes nothing costs a few reads and writes nothing. A change takes the admins
 * lock first ({@link AdminGuard}: before any other row lock), then the user's row, reads again
 * under the locks and writes, so concurrent sign-ins and admin changes apply one after another.
 * When two brokers create the same new user at once, the loser's insert conflicts and it tries
 * again, and then finds the user.
 */
final class DirectoryUserSync {
  private static final int ATTEMPTS = 3;

  private final Database db;
  private final Audit audit;
  private final JdbcAccountStore accounts;

  DirectoryUserSync(Database db, Audit audit, JdbcAccountStore accounts) {
    this.db = db;
    this.audit = audit;
    this.accounts = accounts;
  }

  User sync(DirectoryUser user, Actor by) {
    Inputs.required(user, "user");
    String name = Inputs.userName(user.name(), "name");
    Inputs.actor(by);
    String displayName = displayName(user);
    Set<String> groups = groupNames(user.groups());
    if (user.admin()) {
      groups.add(Group.ADMINS);
    }
    for (int attempt = 1; ; attempt++) {
      Optional<User> synced;
      try {
        synced = db.transaction(c -> syncOnce(c, name, displayName, groups, by));
      } catch (StoreException e) {
        // Raced with another broker or an admin (the user or a group created or deleted meanwhile).
        boolean raced = e.kind() == Reason.CONFLICT || e.kind() == Reason.NOT_FOUND;
        if (!raced || attempt == ATTEMPTS) {
          throw e;
        }
        continue;
      }
      return synced.orElseThrow(() -> new StoreException(Reason.CONFLICT, "name",
          "a local user is named " + Inputs.quote(name) + ": they sign in with their password here,"
              + " not through the directory"));
    }
  }

  /** The user as synced, or empty when the name is a local user's. */
  private Optional<User> syncOnce(Connection c, String name, String displayName, Set<String> directoryGroups,
      Actor by) throws SQLException {
    List<String> groups = storeGroups(c, directoryGroups);
    Optional<String> hash = passwordHash(c, name, false);
    if (hash.isEmpty()) {
      return Optional.of(accounts.insertUser(c, new User.New(name, displayName, null, true, groups),
          PasswordHasher.DIRECTORY_USER, by));
    }
    if (!PasswordHasher.DIRECTORY_USER.equals(hash.get())) {
      return Optional.empty();
    }
    User old = JdbcAccountStore.readUser(c, name, false).orElseThrow(() -> changedMeanwhile(name));
    if (old.displayName().equals(displayName) && old.groups().equals(groups)) {
      return Optional.of(old);
    }
    int admins = AdminGuard.lock(c);
    hash = passwordHash(c, name, true);
    if (hash.isEmpty()) {
      throw changedMeanwhile(name);
    }
    if (!PasswordHasher.DIRECTORY_USER.equals(hash.get())) {
      return Optional.empty();
    }
    old = JdbcAccountStore.readUser(c, name, false).orElseThrow(() -> changedMeanwhile(name));
    return Optional.of(update(c, old, displayName, groups, admins, by));
  }

  /**
   * Writes what differs and audits it. The last enabled admin stays in {@link Group#ADMINS} (so
   * the admin API stays reachable), and the audit entry says so when it has something else to say.
   */
  private User update(Connection c, User old, String displayName, List<String> groups, int admins, Actor by)
      throws SQLException {
    Set<String> leave = new TreeSet<>(old.groups());
    groups.forEach(leave::remove);
    Set<String> join = new TreeSet<>(groups);
    old.groups().forEach(join::remove);
    boolean keepAdmin = leave.contains(Group.ADMINS) && old.enabled() && admins == 1;
    if (keepAdmin) {
      leave.remove(Group.ADMINS);
    }
    List<String> parts = new ArrayList<>();
    if (!displayName.equals(old.displayName())) {
      parts.add("display name " + Audit.quoted(old.displayName()) + " -> " + Audit.quoted(displayName));
      try (PreparedStatement ps = c.prepareStatement("UPDATE users SET display_name = ? WHERE name = ?")) {
        ps.setString(1, displayName);
        ps.setString(2, old.name());
        ps.executeUpdate();
      }
    }
    if (!join.isEmpty()) {
      parts.add("joined " + join);
      for (String group : join) {
        JdbcAccountStore.insertMember(c, group, old.name());
      }
    }
    if (!leave.isEmpty()) {
      parts.add("left " + leave);
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM group_members WHERE group_name = ? AND user_name = ?")) {
        for (String group : leave) {
          ps.setString(1, group);
          ps.setString(2, old.name());
          ps.executeUpdate();
        }
      }
      // A group the directory took away takes the user's tokens with it, as an admin's removal does.
      JdbcAccountStore.voidTokens(c, old.name(), db.now());
    }
    if (parts.isEmpty()) {
      return old;
    }
    if (keepAdmin) {
      parts.add("kept in '" + Group.ADMINS + "' as its last enabled member");
    }
    audit.append(c, by, "user.sync", old.name(), "from the directory: " + String.join(", ", parts));
    Set<String> now = new TreeSet<>(old.groups());
    now.addAll(join);
    now.removeAll(leave);
    return new User(old.name(), displayName, old.enabled(), List.copyOf(now), old.createdAt());
  }

  /** Those of {@code names} that are store groups, sorted. */
  private static List<String> storeGroups(Connection c, Set<String> names) throws SQLException {
    List<String> found = new ArrayList<>();
    if (names.isEmpty()) {
      return found;
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT name FROM user_groups");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (names.contains(rs.getString(1))) {
          found.add(rs.getString(1));
        }
      }
    }
    found.sort(null);
    return found;
  }

  private static Optional<String> passwordHash(Connection c, String name, boolean forUpdate) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT password_hash FROM users WHERE name = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** The directory's display name when the store can take it, else the user's name. */
  private static String displayName(DirectoryUser user) {
    String value = user.displayName();
    if (value == null || value.isBlank()) {
      return user.name();
    }
    try {
      return Inputs.text(value.strip(), "displayName");
    } catch (StoreException e) {
      return user.name();
    }
  }

  /**
   * The directory's group names that could name a store group; others cannot match one. A
   * directory group named like {@link Group#ADMINS} (in any case) is left out: whoever may create
   * or name a group in the directory must not make admins that way; only {@link DirectoryUser#admin}
   * (a group the config maps) does.
   */
  private static Set<String> groupNames(List<String> names) {
    Set<String> valid = new TreeSet<>();
    for (String name : names == null ? List.<String>of() : names) {
      if (name == null || name.strip().equalsIgnoreCase(Group.ADMINS)) {
        continue;
      }
      try {
        valid.add(Inputs.groupName(name, "groups"));
      } catch (StoreException e) {
        // Not a name the store takes, so no store group has it.
      }
    }
    return valid;
  }

  private static StoreException changedMeanwhile(String name) {
    return new StoreException(Reason.CONFLICT, "name",
        "user " + Inputs.quote(name) + " changed meanwhile; try again");
  }
}
