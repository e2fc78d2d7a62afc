package io.shardbroker.broker;

import io.shardbroker.store.MaintenanceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * The VMs in maintenance, as brokering needs them: read from the store at most once per
 * {@link #REFRESH}, so a drain through another broker applies here within that time, and at once
 * after a drain or undrain through this broker ({@link #refresh}). If the store cannot be read,
 * the last known set stays in use.
 *
 * <p>Thread-safe: the set is immutable and replaced whole.
 */
final class DrainedVms {

  static final Duration REFRESH = Duration.ofSeconds(1);

  private final MaintenanceStore maintenance;
  private final Clock clock;
  private volatile Set<String> vmIds = Set.of();
  private volatile long readAtMillis = Long.MIN_VALUE;

  DrainedVms(MaintenanceStore maintenance, Clock clock) {
    this.maintenance = maintenance;
    this.clock = clock;
  }

  boolean contains(String vmId) {
    return current().contains(vmId);
  }

  Set<String> current() {
    long now = clock.millis();
    if (readAtMillis == Long.MIN_VALUE || now - readAtMillis >= REFRESH.toMillis()) {
      synchronized (this) {
        if (readAtMillis == Long.MIN_VALUE || now - readAtMillis >= REFRESH.toMillis()) {
          readAtMillis = now;  // before the read: one failing read is not retried by every request
          vmIds = Set.copyOf(maintenance.vmIds());
        }
      }
    }
    return vmIds;
  }

  /** Reads the store now. */
  synchronized void refresh() {
    vmIds = Set.copyOf(maintenance.vmIds());
    readAtMillis = clock.millis();
  }
}
