package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Users, groups and memberships. Passwords are hashed before a transaction starts (hashing is
 * slow by design) and never appear in the audit log: a change says "password changed".
 */
final class JdbcAccountStore implements AccountStore {

  private final Database db;
  private final Audit audit;
  private final PasswordHasher hasher;
  private final DirectoryUserSync directoryUsers;

  JdbcAccountStore(Database db, Audit audit, PasswordHasher hasher) {
    this.db = db;
    this.audit = audit;
    this.hasher = hasher;
    this.directoryUsers = new DirectoryUserSync(db, audit, this);
  }

  // ---- users -----------------------------------------------------------------------------------

  @Override
  public List<User> users() {
    return db.autocommit(c -> readUsers(c, null));
  }

  @Override
  public Optional<User> user(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> readUsers(c, name).stream().findFirst());
  }

  @Override
  public User createUser(User.New user, Actor by) {
    User.New valid = validate(user);
    Inputs.actor(by);
    String hash = hasher.hash(valid.password());
    return db.transaction(c -> insertUser(c, valid, hash, by));
  }

  @Override
  public User updateUser(String name, User.Change change, Actor by) {
    Inputs.required(change, "change");
    Inputs.actor(by);
    String displayName = Inputs.text(change.displayName(), "displayName");
    String hash = change.password() == null ? null : hasher.hash(Inputs.password(change.password(), "password"));
    if (name == null) {
      throw notFoundUser(null);
    }
    return db.transaction(c -> {
      int admins = Boolean.FALSE.equals(change.enabled()) ? AdminGuard.lock(c) : 0;
      User old = readUser(c, name, true).orElseThrow(() -> notFoundUser(name));
      String newDisplayName = displayName == null ? old.displayName() : displayName;
      boolean enabled = change.enabled() == null ? old.enabled() : change.enabled();
      List<String> parts = new ArrayList<>();
      if (!newDisplayName.equals(old.displayName())) {
        parts.add("display name " + Audit.quoted(old.displayName()) + " -> " + Audit.quoted(newDisplayName));
      }
      if (hash != null) {
        parts.add("password changed");
      }
      if (enabled != old.enabled()) {
        parts.add(enabled ? "enabled" : "disabled");
      }
      if (parts.isEmpty()) {
        return old;
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE users SET display_name = ?, enabled = ?,"
          + " password_hash = COALESCE(?, password_hash) WHERE name = ?")) {
        ps.setString(1, newDisplayName);
        ps.setBoolean(2, enabled);
        ps.setString(3, hash);
        ps.setString(4, name);
        ps.executeUpdate();
      }
      if (hash != null || !enabled) {
        voidTokens(c, name, db.now());
      }
      AdminGuard.check(c, admins);
      audit.append(c, by, "user.update", name, String.join(", ", parts));
      return new User(name, newDisplayName, enabled, old.groups(), old.createdAt());
    });
  }

  @Override
  public void deleteUser(String name, Actor by) {
    Inputs.actor(by);
    deleteNamed("users", name, true, by, "user.delete", notFoundUser(name),
        "deleted with their memberships, entitlements and assignments");
  }

  @Override
  public Optional<Instant> tokensValidAfter(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT enabled, tokens_valid_after FROM users WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || !rs.getBoolean("enabled")) {
            return Optional.<Instant>empty();
          }
          Instant after = Database.getInstant(rs, "tokens_valid_after");
          return Optional.of(after == null ? Instant.EPOCH : after);
        }
      }
    });
  }

  @Override
  public void signOutEverywhere(String name, Actor by) {
    Inputs.actor(by);
    db.transaction(c -> {
      if (name == null || !voidTokens(c, name, db.now())) {
        throw notFoundUser(name);
      }
      audit.append(c, by, "user.sign-out", name, "every sign-in token of the user ended");
      return null;
    });
  }

  /**
   * Voids every sign-in token of {@code user} issued before {@code now}, inside the transaction of
   * the change that calls for it; false when there is no such user.
   */
  static boolean voidTokens(Connection c, String user, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE users SET tokens_valid_after = ? WHERE name = ?")) {
      Database.setInstant(ps, 1, now);
      ps.setString(2, user);
      return ps.executeUpdate() == 1;
    }
  }

  @Override
  public Optional<User> verify(String name, String password) {
    if (name == null || password == null) {
      return nobody("");
    }
    record Row(String hash, boolean enabled) {}
    Optional<Row> row = db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT password_hash, enabled FROM users WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new Row(rs.getString(1), rs.getBoolean(2))) : Optional.<Row>empty();
        }
      }
    });
    if (row.isEmpty()) {
      return nobody(password);
    }
    if (!hasher.matches(password, row.get().hash()) || !row.get().enabled()) {
      return Optional.empty();
    }
    return user(name);
  }

  @Override
  public boolean hasLocalPassword(String name) {
    if (name == null) {
      return false;
    }
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT password_hash FROM users WHERE name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && !PasswordHasher.DIRECTORY_USER.equals(rs.getString(1));
        }
      }
    });
  }

  @Override
  public User syncDirectoryUser(DirectoryUser user, Actor by) {
    return directoryUsers.sync(user, by);
  }

  private Optional<User> nobody(String password) {
    hasher.matchesNobody(password);
    return Optional.empty();
  }

  /** Inserts a validated user with their memberships and audits it. */
  User insertUser(Connection c, User.New user, String hash, Actor by) throws SQLException {
    Instant now = db.now();
    // Tokens start with the user: none a deleted namesake held is good for them.
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (name, display_name,"
        + " password_hash, enabled, created_at, tokens_valid_after) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, user.name());
      ps.setString(2, user.displayName());
      ps.setString(3, hash);
      ps.setBoolean(4, user.enabled());
      Database.setInstant(ps, 5, now);
      Database.setInstant(ps, 6, now);
      ps.executeUpdate();
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e)) {
        throw new StoreException(Reason.CONFLICT, "name",
            "a user named " + Inputs.quote(user.name()) + " exists already");
      }
      throw e;
    }
    for (String group : user.groups()) {
      if (!groupExists(c, group)) {
        throw notFoundGroup(group);
      }
      insertMember(c, group, user.name());
    }
    audit.append(c, by, "user.create", user.name(), "display name " + Audit.quoted(user.displayName())
        + ", " + (user.enabled() ? "enabled" : "disabled") + ", groups " + user.groups());
    return new User(user.name(), user.displayName(), user.enabled(), user.groups(), now);
  }

  /** The user with display name defaulted and groups sorted without repeats; never echoes the password. */
  static User.New validate(User.New user) {
    Inputs.required(user, "user");
    String name = Inputs.userName(user.name(), "name");
    String displayName = Inputs.text(user.displayName(), "displayName");
    Inputs.password(user.password(), "password");
    List<String> groups = new ArrayList<>();
    for (String group : user.groups() == null ? List.<String>of() : user.groups()) {
      groups.add(Inputs.groupName(group, "groups"));
    }
    groups = new ArrayList<>(new LinkedHashSet<>(groups));
    groups.sort(Comparator.naturalOrder());
    return new User.New(name, displayName == null ? name : displayName, user.password(),
        user.enabled(), List.copyOf(groups));
  }

  static boolean userExists(Connection c, String name) throws SQLException {
    return exists(c, "SELECT 1 FROM users WHERE name = ?", name);
  }

  // ---- groups ----------------------------------------------------------------------------------

  @Override
  public List<Group> groups() {
    return db.autocommit(c -> readGroups(c, null));
  }

  @Override
  public Optional<Group> group(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> readGroups(c, name).stream().findFirst());
  }

  @Override
  public Group createGroup(String name, String description, Actor by) {
    Inputs.groupName(name, "name");
    String validDescription = Inputs.text(description, "description");
    Inputs.actor(by);
    return db.transaction(c -> insertGroup(c, name, validDescription, by));
  }

  @Override
  public void deleteGroup(String name, Actor by) {
    Inputs.actor(by);
    deleteNamed("user_groups", name, Group.ADMINS.equals(name), by, "group.delete", notFoundGroup(name),
        "deleted with its memberships and entitlements");
  }

  @Override
  public void addMember(String group, String user, Actor by) {
    Inputs.actor(by);
    try {
      db.transaction(c -> {
        if (group == null || !groupExists(c, group)) {
          throw notFoundGroup(group);
        }
        if (user == null || !userExists(c, user)) {
          throw notFoundUser(user);
        }
        if (exists(c, "SELECT 1 FROM group_members WHERE group_name = ? AND user_name = ?", group, user)) {
          return null;
        }
        insertMember(c, group, user);
        audit.append(c, by, "group.member.add", group, "added " + Inputs.quote(user));
        return null;
      });
    } catch (StoreException e) {
      // Added by someone else between our check and our insert: the outcome is the one asked for.
      if (e.kind() != Reason.CONFLICT) {
        throw e;
      }
    }
  }

  @Override
  public void removeMember(String group, String user, Actor by) {
    Inputs.actor(by);
    db.transaction(c -> {
      int admins = Group.ADMINS.equals(group) ? AdminGuard.lock(c) : 0;
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM group_members WHERE group_name = ? AND user_name = ?")) {
        ps.setString(1, group);
        ps.setString(2, user);
        if (group == null || user == null || ps.executeUpdate() == 0) {
          throw new StoreException(Reason.NOT_FOUND, "user",
              (user == null ? "null" : Inputs.quote(user)) + " is not a member of group "
                  + (group == null ? "null" : Inputs.quote(group)));
        }
      }
      voidTokens(c, user, db.now());
      AdminGuard.check(c, admins);
      audit.append(c, by, "group.member.remove", group, "removed " + Inputs.quote(user));
      return null;
    });
  }

  /** Inserts a validated group and audits it; CONFLICT when the name is taken. */
  Group insertGroup(Connection c, String name, String description, Actor by) throws SQLException {
    String text = description == null ? "" : description;
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO user_groups (name, description, created_at) VALUES (?, ?, ?)")) {
      ps.setString(1, name);
      ps.setString(2, text);
      Database.setInstant(ps, 3, db.now());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (Database.isUniqueViolation(e)) {
        throw new StoreException(Reason.CONFLICT, "name",
            "a group named " + Inputs.quote(name) + " exists already");
      }
      throw e;
    }
    audit.append(c, by, "group.create", name, "description " + Audit.quoted(text));
    return new Group(name, text, List.of());
  }

  static boolean groupExists(Connection c, String name) throws SQLException {
    return exists(c, "SELECT 1 FROM user_groups WHERE name = ?", name);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Deletes a user or group; {@code mayRemoveAdmins} guards the last enabled admin ({@link AdminGuard}). */
  private void deleteNamed(String table, String name, boolean mayRemoveAdmins, Actor by, String action,
      StoreException notFound, String detail) {
    if (name == null) {
      throw notFound;
    }
    db.transaction(c -> {
      int admins = mayRemoveAdmins ? AdminGuard.lock(c) : 0;
      if (table.equals("user_groups")) {
        voidMembersTokens(c, name);
      }
      // The table is one of ours, never input.
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE name = ?")) {
        ps.setString(1, name);
        if (ps.executeUpdate() == 0) {
          throw notFound;
        }
      }
      AdminGuard.check(c, admins);
      audit.append(c, by, action, name, detail);
      return null;
    });
  }

  /** A group's members lose what it gave them: their tokens issued before now are void. */
  private void voidMembersTokens(Connection c, String group) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE users SET tokens_valid_after = ?"
        + " WHERE name IN (SELECT user_name FROM group_members WHERE group_name = ?)")) {
      Database.setInstant(ps, 1, db.now());
      ps.setString(2, group);
      ps.executeUpdate();
    }
  }

  static void insertMember(Connection c, String group, String user) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO group_members (group_name, user_name) VALUES (?, ?)")) {
      ps.setString(1, group);
      ps.setString(2, user);
      ps.executeUpdate();
    }
  }

  static boolean exists(Connection c, String sql, String... values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        ps.setString(i + 1, values[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static Optional<User> readUser(Connection c, String name, boolean forUpdate) throws SQLException {
    if (forUpdate) {
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM users WHERE name = ? FOR UPDATE")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
        }
      }
    }
    return readUsers(c, name).stream().findFirst();
  }

  /** All users, or the one named; with their groups; by name. */
  private static List<User> readUsers(Connection c, String only) throws SQLException {
    Map<String, List<String>> groupsOf = members(c, "user_name", "group_name", only);
    List<User> users = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name, display_name, enabled, created_at FROM users"
        + (only == null ? "" : " WHERE name = ?"))) {
      if (only != null) {
        ps.setString(1, only);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString("name");
          users.add(new User(name, rs.getString("display_name"), rs.getBoolean("enabled"),
              List.copyOf(groupsOf.getOrDefault(name, List.of())), Database.getInstant(rs, "created_at")));
        }
      }
    }
    users.sort(Comparator.comparing(User::name));
    return users;
  }

  /** All groups, or the one named; with their members; by name. */
  private static List<Group> readGroups(Connection c, String only) throws SQLException {
    Map<String, List<String>> membersOf = members(c, "group_name", "user_name", only);
    List<Group> groups = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name, description FROM user_groups"
        + (only == null ? "" : " WHERE name = ?"))) {
      if (only != null) {
        ps.setString(1, only);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString("name");
          groups.add(new Group(name, rs.getString("description"),
              List.copyOf(membersOf.getOrDefault(name, List.of()))));
        }
      }
    }
    groups.sort(Comparator.comparing(Group::name));
    return groups;
  }

  /** Memberships keyed by one column, the other column's values sorted; {@code only} filters the key. */
  private static Map<String, List<String>> members(Connection c, String key, String value, String only)
      throws SQLException {
    Map<String, List<String>> result = new TreeMap<>();
    // key and value are our column names, never input.
    try (PreparedStatement ps = c.prepareStatement("SELECT " + key + ", " + value + " FROM group_members"
        + (only == null ? "" : " WHERE " + key + " = ?"))) {
      if (only != null) {
        ps.setString(1, only);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
        }
      }
    }
    result.values().forEach(list -> list.sort(Comparator.naturalOrder()));
    return result;
  }

  static StoreException notFoundUser(String name) {
    return new StoreException(Reason.NOT_FOUND, "user",
        "no user named " + (name == null ? "null" : Inputs.quote(name)));
  }

  static StoreException notFoundGroup(String name) {
    return new StoreException(Reason.NOT_FOUND, "group",
        "no group named " + (name == null ? "null" : Inputs.quote(name)));
  }
}
