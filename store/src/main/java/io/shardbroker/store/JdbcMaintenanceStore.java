package io.shardbroker.store;

import io.shardbroker.protocol.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Drained VMs. A VM is drained once: draining it again returns the first record unchanged. */
final class JdbcMaintenanceStore implements MaintenanceStore {
  private static final String COLUMNS = "vm_id, reason, drained_by, since";

  private final Database db;
  private final Audit audit;

  JdbcMaintenanceStore(Database db, Audit audit) {
    this.db = db;
    this.audit = audit;
  }

  @Override
  public List<Maintenance> list() {
    return db.autocommit(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM maintenance")) {
        List<Maintenance> all = readAll(ps);
        all.sort(Comparator.comparing(Maintenance::vmId));
        return all;
      }
    });
  }

  @Override
  public Set<String> vmIds() {
    return db.autocommit(c -> {
      Set<String> ids = new HashSet<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT vm_id FROM maintenance");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return Set.copyOf(ids);
    });
  }

  @Override
  public Maintenance drain(String vmId, String reason, Actor by) {
    Inputs.vmId(vmId, "vmId");
    Inputs.text(reason, "reason");
    Inputs.actor(by);
    try {
      return db.transaction(c -> {
        Optional<Maintenance> first = find(c, vmId);
        if (first.isPresent()) {
          return first.get();
        }
        Maintenance drained = new Maintenance(vmId, reason, Audit.clip(by.user(), 256), db.now());
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO maintenance (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
          ps.setString(1, vmId);
          ps.setString(2, reason);
          ps.setString(3, drained.by());
          Database.setInstant(ps, 4, drained.since());
          ps.executeUpdate();
        }
        audit.append(c, by, "vm.drain", vmId, reason == null ? "no reason given" : "reason " + Audit.quoted(reason));
        return drained;
      });
    } catch (StoreException e) {
      if (e.kind() != Reason.CONFLICT) {
        throw e;
      }
      // Drained by someone else between our read and our insert: theirs is the first record.
      return db.autocommit(c -> find(c, vmId)).orElseThrow(() -> e);
    }
  }

  @Override
  public void undrain(String vmId, Actor by) {
    Inputs.actor(by);
    StoreException notDrained = new StoreException(Reason.NOT_FOUND, "vmId",
        "VM " + (vmId == null ? "null" : Inputs.quote(vmId)) + " is not drained");
    if (vmId == null) {
      throw notDrained;
    }
    db.transaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM maintenance WHERE vm_id = ?")) {
        ps.setString(1, vmId);
        if (ps.executeUpdate() == 0) {
          throw notDrained;
        }
      }
      audit.append(c, by, "vm.undrain", vmId, "back in service");
      return null;
    });
  }

  private static Optional<Maintenance> find(Connection c, String vmId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM maintenance WHERE vm_id = ?")) {
      ps.setString(1, vmId);
      return readAll(ps).stream().findFirst();
    }
  }

  private static List<Maintenance> readAll(PreparedStatement ps) throws SQLException {
    List<Maintenance> result = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        result.add(new Maintenance(rs.getString("vm_id"), rs.getString("reason"),
            rs.getString("drained_by"), Database.getInstant(rs, "since")));
      }
    }
    return result;
  }
}
