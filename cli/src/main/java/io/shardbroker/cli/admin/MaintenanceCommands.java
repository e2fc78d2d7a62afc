package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code admin drain}, {@code undrain} and {@code maintenance}: VMs that get no new sessions. */
final class MaintenanceCommands {

  private MaintenanceCommands() {}

  @Command(name = "drain", mixinStandardHelpOptions = true,
      header = "Puts a VM in maintenance: PUT /api/v1/admin/vms/VM/maintenance.",
      description = "No new sessions start on the VM; running ones go on. Draining a drained VM keeps "
          + "its first record. Prints the VM's maintenance record.")
  static final class Drain extends AdminCall {
    @Parameters(paramLabel = "VM", description = "The VM's id.")
    String vmId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for other admins.")
    String reason;

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object();
      putIfGiven(body, "reason", reason);
      return api.put(ApiPath.admin("vms", vmId, "maintenance"), body);
    }
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true,
      header = "Takes a VM out of maintenance: DELETE /api/v1/admin/vms/VM/maintenance.",
      description = "The VM takes new sessions again. Fails with not_found when it is not drained. "
          + "Prints nothing.")
  static final class Undrain extends AdminCall {
    @Parameters(paramLabel = "VM", description = "The VM's id.")
    String vmId;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("vms", vmId, "maintenance"));
    }
  }

  @Command(name = "maintenance", mixinStandardHelpOptions = true,
      header = "Lists the VMs in maintenance: GET /api/v1/admin/maintenance.")
  static final class Maintenance extends AdminCall {
    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("maintenance"));
    }
  }
}
