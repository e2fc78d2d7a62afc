package io.shardbroker.store;

import static io.shardbroker.store.TestData.assertFails;
import static io.shardbroker.store.TestData.audit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.shardbroker.protocol.Reason;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Drained VMs: drained once, undrained once, each audited. */
interface MaintenanceContract extends StoreFixture {

  @Test
  default void vmsAreDrainedAndUndrainedWithAnAuditEntryEach() {
    MaintenanceStore maintenance = store().maintenance();
    Instant first = clock().instant();
    Maintenance drained = maintenance.drain("vm-2", "disk swap", ADMIN);
    assertThat(drained).isEqualTo(new Maintenance("vm-2", "disk swap", "root", first));

    clock().advance(Duration.ofMinutes(5));
    maintenance.drain("vm-1", null, new Actor("ops", "broker-2"));
    assertThat(maintenance.drain("vm-2", "another reason", new Actor("ops", "broker-2"))).isEqualTo(drained);

    assertThat(maintenance.list()).containsExactly(
        new Maintenance("vm-1", null, "ops", clock().instant()), drained);
    assertThat(maintenance.vmIds()).containsExactlyInAnyOrder("vm-1", "vm-2");

    maintenance.undrain("vm-2", ADMIN);
    assertThat(maintenance.vmIds()).containsExactly("vm-1");
    assertFails(Reason.NOT_FOUND, "vmId", () -> maintenance.undrain("vm-2", ADMIN));
    assertFails(Reason.NOT_FOUND, "vmId", () -> maintenance.undrain("vm-never", ADMIN));

    assertThat(audit(store(), null, "vm.", null))
        .extracting(AuditEntry::action, AuditEntry::target, AuditEntry::actor)
        .containsExactly(tuple("vm.undrain", "vm-2", "root"), tuple("vm.drain", "vm-1", "ops"),
            tuple("vm.drain", "vm-2", "root"));
    assertThat(audit(store(), null, "vm.drain", "vm-2").get(0).detail()).contains("disk swap");
  }

  @Test
  default void badVmIdsAndReasonsAreRefusedNamingTheField() {
    MaintenanceStore maintenance = store().maintenance();
    assertFails(Reason.BAD_REQUEST, "vmId", () -> maintenance.drain("", null, ADMIN));
    assertFails(Reason.BAD_REQUEST, "vmId", () -> maintenance.drain(null, null, ADMIN));
    assertFails(Reason.BAD_REQUEST, "vmId", () -> maintenance.drain("vm\n1", null, ADMIN));
    assertFails(Reason.BAD_REQUEST, "vmId", () -> maintenance.drain("v".repeat(129), null, ADMIN));
    assertFails(Reason.BAD_REQUEST, "reason", () -> maintenance.drain("vm-1", "r".repeat(257), ADMIN));
    assertFails(Reason.BAD_REQUEST, "reason", () -> maintenance.drain("vm-1", "tab\there", ADMIN));
    assertThat(maintenance.vmIds()).isEmpty();
    assertThat(audit(store())).isEmpty();
  }
}
