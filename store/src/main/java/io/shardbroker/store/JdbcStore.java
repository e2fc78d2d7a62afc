package io.shardbroker.store;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on a JDBC database (embedded H2 or PostgreSQL): a connection pool on a migrated
 * schema, and one part per concern, all sharing the pool, the clock and the audit log.
 */
final class JdbcStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

  private final String where;
  private final HikariDataSource pool;
  private final HistoryWriter historyWriter;
  private final JdbcPoolStore pools;
  private final JdbcAccountStore accounts;
  private final JdbcEntitlementStore entitlements;
  private final JdbcAssignmentStore assignments;
  private final JdbcMaintenanceStore maintenance;
  private final JdbcSessionHistory history;
  private final JdbcBrokeringLocks brokeringLocks;
  private final Audit audit;
  private final SecurityStore security;
  private final SeedApplier seeds;
  private final boolean shared;

  private JdbcStore(StoreSettings settings, Clock clock, String where, HikariDataSource pool) {
    this.where = where;
    this.shared = settings.shared();
    this.pool = pool;
    Database db = new Database(pool, clock);
    PasswordHasher hasher = new PasswordHasher(settings.passwordHashing());
    this.audit = new Audit(db);
    this.pools = new JdbcPoolStore(db, audit);
    this.accounts = new JdbcAccountStore(db, audit, hasher);
    this.entitlements = new JdbcEntitlementStore(db, audit);
    this.assignments = new JdbcAssignmentStore(db, audit);
    this.maintenance = new JdbcMaintenanceStore(db, audit);
    this.historyWriter = new HistoryWriter(db, settings.historyFlushInterval());
    this.history = new JdbcSessionHistory(db, historyWriter);
    this.brokeringLocks = new JdbcBrokeringLocks(db);
    this.security = new JdbcSecurityStore(db, audit);
    this.seeds = new SeedApplier(db, pools, accounts, entitlements, hasher);
  }

  /** Connects, brings the schema up to date and opens the store. */
  static Store open(StoreSettings settings, Clock clock) {
    String where = DatabaseUrl.describe(settings.jdbcUrl());
    HikariDataSource pool = new SchemaMigration(settings, where).open();
    try {
      Store store = new JdbcStore(settings, clock, where, pool);
      log.debug("store open: {}", where);
      return store;
    } catch (RuntimeException | Error e) {
      pool.close();
      throw e;
    }
  }

  @Override
  public PoolStore pools() {
    return pools;
  }

  @Override
  public AccountStore accounts() {
    return accounts;
  }

  @Override
  public EntitlementStore entitlements() {
    return entitlements;
  }

  @Override
  public AssignmentStore assignments() {
    return assignments;
  }

  @Override
  public MaintenanceStore maintenance() {
    return maintenance;
  }

  @Override
  public SessionHistory history() {
    return history;
  }

  @Override
  public BrokeringLocks brokeringLocks() {
    return brokeringLocks;
  }

  @Override
  public AuditLog audit() {
    return audit;
  }

  @Override
  public SecurityStore security() {
    return security;
  }

  @Override
  public int apply(Seed seed, Actor by) {
    return seeds.apply(seed, by);
  }

  @Override
  public String describe() {
    return where;
  }

  @Override
  public boolean shared() {
    return shared;
  }

  @Override
  public void close() {
    try {
      historyWriter.close();
    } finally {
      pool.close();
    }
  }

  @Override
  public String toString() {
    return "Store(" + where + ")";
  }
}
