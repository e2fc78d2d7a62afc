package io.shardbroker.store;

/** Admin changes, written by each store change in its own transaction. */
public interface AuditLog {

  /** Entries matching the query, newest first. */
  Page<AuditEntry> query(AuditEntry.Query query);
}
