package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "assignments",
    mixinStandardHelpOptions = true,
    header = "Lists, makes and undoes the assignments of VMs to users in dedicated pools.",
    description = "In a dedicated pool a user's first session makes its VM theirs for good; an admin can "
        + "assign a VM ahead, or free one.",
    subcommands = {
        AssignmentsCommand.ListAssignments.class,
        AssignmentsCommand.Assign.class,
        AssignmentsCommand.Unassign.class
    })
final class AssignmentsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Lists assignments: GET /api/v1/admin/assignments.",
      description = "Only those matching every filter given.")
  static final class ListAssignments extends AdminCall {
    @Option(names = "--pool", paramLabel = "POOL", description = "Only assignments in this pool.")
    String pool;

    @Option(names = "--user", paramLabel = "USER", description = "Only this user's assignments.")
    String user;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("assignments").query("pool", pool).query("user", user));
    }
  }

  @Command(name = "assign", mixinStandardHelpOptions = true,
      header = "Makes a VM a user's own in a dedicated pool: POST /api/v1/admin/assignments.",
      description = "A VM has at most one user, and a user at most one VM per pool.")
  static final class Assign extends AdminCall {
    @Option(names = "--pool", paramLabel = "POOL", required = true, description = "A dedicated pool.")
    String pool;

    @Option(names = "--user", paramLabel = "USER", required = true, description = "The user.")
    String user;

    @Option(names = "--vm", paramLabel = "VM", required = true, description = "The VM's id.")
    String vmId;

    @Override
    JsonNode send(AdminClient api) {
      return api.post(ApiPath.admin("assignments"),
          object().put("pool", pool).put("user", user).put("vmId", vmId));
    }
  }

  @Command(name = "unassign", mixinStandardHelpOptions = true,
      header = "Frees a VM from its user: DELETE /api/v1/admin/assignments/VM.",
      description = "A running session on it goes on. Prints nothing.")
  static final class Unassign extends AdminCall {
    @Parameters(paramLabel = "VM", description = "The VM's id.")
    String vmId;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("assignments", vmId));
    }
  }
}
