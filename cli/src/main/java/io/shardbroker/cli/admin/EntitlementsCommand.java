package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "entitlements",
    mixinStandardHelpOptions = true,
    header = "Lists, grants and revokes who may use which pool.",
    description = "A user may use a pool when entitled directly or through one of their groups, and the "
        + "pool is enabled.",
    subcommands = {
        EntitlementsCommand.ListEntitlements.class,
        EntitlementsCommand.Grant.class,
        EntitlementsCommand.Revoke.class
    })
final class EntitlementsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Lists entitlements: GET /api/v1/admin/entitlements.",
      description = "Only those matching every filter given.")
  static final class ListEntitlements extends AdminCall {
    @Option(names = "--pool", paramLabel = "POOL", description = "Only entitlements to this pool.")
    String pool;

    @Option(names = "--user", paramLabel = "USER", description = "Only this user's own entitlements.")
    String user;

    @Option(names = "--group", paramLabel = "GROUP", description = "Only this group's entitlements.")
    String group;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("entitlements").query("pool", pool).query("user", user).query("group", group));
    }
  }

  @Command(name = "grant", mixinStandardHelpOptions = true,
      header = "Entitles a user or a group to a pool: POST /api/v1/admin/entitlements.",
      description = "Prints the new entitlement; its id is what 'revoke' takes.")
  static final class Grant extends AdminCall {
    @Option(names = "--pool", paramLabel = "POOL", required = true, description = "The pool.")
    String pool;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Principal principal;

    /** Exactly one of --user and --group. */
    static final class Principal {
      @Option(names = "--user", paramLabel = "USER", required = true, description = "The user to entitle.")
      String user;

      @Option(names = "--group", paramLabel = "GROUP", required = true, description = "The group to entitle.")
      String group;
    }

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object().put("pool", pool);
      putIfGiven(body, "user", principal.user);
      putIfGiven(body, "group", principal.group);
      return api.post(ApiPath.admin("entitlements"), body);
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      header = "Revokes an entitlement: DELETE /api/v1/admin/entitlements/ID.",
      description = "Running sessions go on. Prints nothing.")
  static final class Revoke extends AdminCall {
    @Parameters(paramLabel = "ID", description = "The entitlement's id, as 'list' shows it.")
    long id;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("entitlements", Long.toString(id)));
    }
  }
}
