package io.shardbroker.store;

import java.util.List;
import java.util.Set;

/** VMs in maintenance (drained): no new sessions, running ones kept. */
public interface MaintenanceStore {

  /** All drained VMs, by VM id. */
  List<Maintenance> list();

  /** The ids of all drained VMs: brokers read this often, so it is one cheap query. */
  Set<String> vmIds();

  /** Drains a VM; draining a drained VM keeps the first record and returns it. @throws StoreException INVALID */
  Maintenance drain(String vmId, String reason, Actor by);

  /** @throws StoreException NOT_FOUND when the VM is not drained */
  void undrain(String vmId, Actor by);
}
