package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Dedicated assignments. A claim is a plain insert and the two unique keys decide races between
 * brokers; when the insert fails, reads tell which key it hit. Claims run in autocommit, so on
 * PostgreSQL the failed insert does not poison the reads that follow it.
 */
final class JdbcAssignmentStore implements AssignmentStore {
  private static final String COLUMNS = "pool_name, user_name, vm_id, assigned_at";
  /** A claim that finds neither key taken after a conflict (it was released meanwhile) tries again. */
  private static final int CLAIM_ATTEMPTS = 5;
  private static final int IN_LIST_MAX = 500;

  private final Database db;
  private final Audit audit;

  JdbcAssignmentStore(Database db, Audit audit) {
    this.db = db;
    this.audit = audit;
  }

  @Override
  public Optional<Assignment> of(String pool, String user) {
    if (pool == null || user == null) {
      return Optional.empty();
    }
    return db.autocommit(c -> byPoolAndUser(c, pool, user));
  }

  @Override
  public Set<String> assignedAmong(Collection<String> vmIds) {
    List<String> ids = Inputs.required(vmIds, "vmIds").stream().filter(Objects::nonNull).distinct().toList();
    if (ids.isEmpty()) {
      return Set.of();
    }
    return db.autocommit(c -> {
      Set<String> assigned = new HashSet<>();
      for (int from = 0; from < ids.size(); from += IN_LIST_MAX) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_LIST_MAX));
        String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT vm_id FROM assignments WHERE vm_id IN (" + marks + ")")) {
          for (int i = 0; i < chunk.size(); i++) {
            ps.setString(i + 1, chunk.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              assigned.add(rs.getString(1));
            }
          }
        }
      }
      return Set.copyOf(assigned);
    });
  }

  @Override
  public Assignment.Claim claim(String pool, String user, String vmId) {
    Inputs.required(pool, "pool");
    Inputs.required(user, "user");
    Inputs.vmId(vmId, "vmId");
    return db.autocommit(c -> {
      for (int attempt = 1; ; attempt++) {
        Instant now = db.now();
        try {
          insert(c, pool, user, vmId, now);
          return new Assignment.Claim(Assignment.Claim.Outcome.CLAIMED, new Assignment(pool, user, vmId, now));
        } catch (SQLException e) {
          if (Database.isMissingReference(e)) {
            throw new StoreException(Reason.NOT_FOUND, null, "no pool named "
                + Inputs.quote(pool) + " or no user named " + Inputs.quote(user));
          }
          if (!Database.isUniqueViolation(e)) {
            throw e;
          }
        }
        Optional<Assignment> mine = byPoolAndUser(c, pool, user);
        if (mine.isPresent()) {
          return new Assignment.Claim(Assignment.Claim.Outcome.USER_HAS_ONE, mine.get());
        }
        if (byVm(c, vmId).isPresent()) {
          return new Assignment.Claim(Assignment.Claim.Outcome.VM_TAKEN, null);
        }
        if (attempt == CLAIM_ATTEMPTS) {
          throw new StoreException(Reason.STORE_UNAVAILABLE, null,
              "the claim of " + Inputs.quote(vmId) + " kept colliding with changes; try again");
        }
      }
    });
  }

  @Override
  public void release(String pool, String user, String vmId) {
    if (pool == null || user == null || vmId == null) {
      return;
    }
    db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM assignments WHERE pool_name = ? AND user_name = ? AND vm_id = ?")) {
        ps.setString(1, pool);
        ps.setString(2, user);
        ps.setString(3, vmId);
        return ps.executeUpdate();
      }
    });
  }

  @Override
  public List<Assignment> list(String pool, String user) {
    Where where = new Where().equal("pool_name", pool).equal("user_name", user);
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM assignments" + where.sql())) {
        where.bind(ps);
        List<Assignment> result = readAll(ps);
        result.sort(Comparator.comparing(Assignment::pool).thenComparing(Assignment::user));
        return result;
      }
    });
  }

  @Override
  public Assignment assign(String pool, String user, String vmId, Actor by) {
    Inputs.required(pool, "pool");
    Inputs.required(user, "user");
    Inputs.vmId(vmId, "vmId");
    Inputs.actor(by);
    return db.transaction(c -> {
      Pool found = JdbcPoolStore.find(c, pool, false).orElseThrow(() -> JdbcPoolStore.notFound(pool));
      if (found.kind() != Pool.Kind.DEDICATED) {
        throw Inputs.invalid("pool", "pool " + Inputs.quote(pool) + " is not dedicated: its VMs are not assigned");
      }
      if (!JdbcAccountStore.userExists(c, user)) {
        throw JdbcAccountStore.notFoundUser(user);
      }
      Optional<Assignment> holder = byVm(c, vmId);
      if (holder.isPresent()) {
        throw new StoreException(Reason.CONFLICT, "vmId", "VM " + Inputs.quote(vmId)
            + " is assigned to " + Inputs.quote(holder.get().user()) + " in pool " + Inputs.quote(holder.get().pool()));
      }
      Optional<Assignment> has = byPoolAndUser(c, pool, user);
      if (has.isPresent()) {
        throw new StoreException(Reason.CONFLICT, "user", Inputs.quote(user)
            + " already has VM " + Inputs.quote(has.get().vmId()) + " in pool " + Inputs.quote(pool));
      }
      Instant now = db.now();
      insert(c, pool, user, vmId, now);
      audit.append(c, by, "assignment.create", vmId, "pool " + Inputs.quote(pool) + ", user " + Inputs.quote(user));
      return new Assignment(pool, user, vmId, now);
    });
  }

  @Override
  public void unassign(String vmId, Actor by) {
    Inputs.actor(by);
    StoreException notFound = new StoreException(Reason.NOT_FOUND, "vmId",
        "VM " + (vmId == null ? "null" : Inputs.quote(vmId)) + " is not assigned");
    if (vmId == null) {
      throw notFound;
    }
    db.transaction(c -> {
      Assignment old = byVm(c, vmId).orElseThrow(() -> notFound);
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM assignments WHERE vm_id = ?")) {
        ps.setString(1, vmId);
        if (ps.executeUpdate() == 0) {
          throw notFound;
        }
      }
      audit.append(c, by, "assignment.delete", vmId,
          "pool " + Inputs.quote(old.pool()) + ", user " + Inputs.quote(old.user()));
      return null;
    });
  }

  private static void insert(Connection c, String pool, String user, String vmId, Instant at) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO assignments (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
      ps.setString(1, pool);
      ps.setString(2, user);
      ps.setString(3, vmId);
      Database.setInstant(ps, 4, at);
      ps.executeUpdate();
    }
  }

  private static Optional<Assignment> byPoolAndUser(Connection c, String pool, String user) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM assignments WHERE pool_name = ? AND user_name = ?")) {
      ps.setString(1, pool);
      ps.setString(2, user);
      return readAll(ps).stream().findFirst();
    }
  }

  private static Optional<Assignment> byVm(Connection c, String vmId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM assignments WHERE vm_id = ?")) {
      ps.setString(1, vmId);
      return readAll(ps).stream().findFirst();
    }
  }

  private static List<Assignment> readAll(PreparedStatement ps) throws SQLException {
    List<Assignment> result = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        result.add(new Assignment(rs.getString("pool_name"), rs.getString("user_name"),
            rs.getString("vm_id"), Database.getInstant(rs, "assigned_at")));
      }
    }
    return result;
  }
}
