package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.cli.config.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "enroll", mixinStandardHelpOptions = true,
    header = "Makes a one-time enrollment token for a VM's agent: POST /api/v1/admin/enrollments.",
    description = "Give the token to the VM, whose agent exchanges it once for its certificate: "
        + "'shardbroker agent enroll --broker URL --vm-id VM --token-file FILE' (or the token in "
        + "$SHARDBROKER_ENROLL_TOKEN). It works for that VM only, once, until it expires. Prints the token; it is not shown again.")
final class EnrollCommand extends AdminCall {

  @Parameters(paramLabel = "VM", description = "The VM's id.")
  String vmId;

  @Option(names = "--valid-for", paramLabel = "DURATION", description = "How long the token lives, e.g. 1h (default: 15m, at most 7d).")
  String validFor;

  @Override
  JsonNode send(AdminClient api) {
    ObjectNode body = object();
    body.put("vmId", vmId);
    if (validFor != null) {
      body.put("validForSeconds", Durations.parse(validFor).toSeconds());
    }
    return api.post(ApiPath.admin("enrollments"), body);
  }
}
