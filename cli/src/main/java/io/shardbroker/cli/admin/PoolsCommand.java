package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shardbroker.cli.config.Durations;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "pools",
    mixinStandardHelpOptions = true,
    header = "Lists, shows, creates, changes and deletes pools of desktops.",
    description = "A pool is what users ask for a desktop from; a VM belongs to the pool its agent names. "
        + "Users need an entitlement to use a pool (see 'admin entitlements').",
    subcommands = {
        PoolsCommand.ListPools.class,
        PoolsCommand.Show.class,
        PoolsCommand.Create.class,
        PoolsCommand.Update.class,
        PoolsCommand.Delete.class
    })
final class PoolsCommand implements Runnable {

  static final String[] KINDS = {"floating", "dedicated"};
  static final String[] SESSION_MODES = {"single", "multi"};

  static final String IDLE_FIELD = "idleLogoffAfterSeconds";
  static final String IDLE_OPTION = "--idle-logoff";
  static final String IDLE_HELP = "Log a session off after it is viewed this long without input, e.g. 1h "
      + "(agents that relay the display: the vnc host).";
  static final String DISCONNECTED_FIELD = "disconnectedLogoffAfterSeconds";
  static final String DISCONNECTED_OPTION = "--disconnected-logoff";
  static final String DISCONNECTED_HELP = "Log a session off after it has had no viewer this long, e.g. 30m "
      + "(agents that relay the display: the vnc host).";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Lists every pool, enabled or not: GET /api/v1/admin/pools.")
  static final class ListPools extends AdminCall {
    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("pools"));
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      header = "Shows one pool: GET /api/v1/admin/pools/NAME.")
  static final class Show extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The pool's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("pools", name));
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      header = "Creates a pool: POST /api/v1/admin/pools.",
      description = "Options left out take the broker's defaults: display name = NAME, floating, "
          + "single-session, protocol rdp, enabled. The kind cannot change later.")
  static final class Create extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The name agents and session requests use.")
    String name;

    @Option(names = "--display-name", paramLabel = "TEXT", description = "What people see.")
    String displayName;

    @Option(names = "--kind", paramLabel = "KIND",
        description = "floating (any free VM each time) or dedicated (a user's first VM is theirs for good).")
    String kind;

    @Option(names = "--session-mode", paramLabel = "MODE",
        description = "single (one user per VM) or multi (several sessions per host).")
    String sessionMode;

    @Option(names = "--protocol", paramLabel = "P", description = "The display protocol clients connect with, e.g. rdp.")
    String protocol;

    @Option(names = "--disabled", description = "Create it disabled: listed, but no sessions are brokered.")
    boolean disabled;

    @Option(names = IDLE_OPTION, paramLabel = "DURATION", description = IDLE_HELP + " Default: never.")
    String idleLogoff;

    @Option(names = DISCONNECTED_OPTION, paramLabel = "DURATION", description = DISCONNECTED_HELP + " Default: never.")
    String disconnectedLogoff;

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object().put("name", name);
      putIfGiven(body, "displayName", displayName);
      putIfGiven(body, "kind", oneOf("--kind", kind, KINDS));
      putIfGiven(body, "sessionMode", oneOf("--session-mode", sessionMode, SESSION_MODES));
      putIfGiven(body, "protocol", protocol);
      if (disabled) {
        body.put("enabled", false);
      }
      putLimit(this, body, IDLE_FIELD, IDLE_OPTION, idleLogoff);
      putLimit(this, body, DISCONNECTED_FIELD, DISCONNECTED_OPTION, disconnectedLogoff);
      return api.post(ApiPath.admin("pools"), body);
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      header = "Changes a pool: PATCH /api/v1/admin/pools/NAME.",
      description = "Changes what is given; the rest stays. Disabling stops new sessions; running ones go on. "
          + "The kind of a pool cannot change.")
  static final class Update extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The pool's name.")
    String name;

    @Option(names = "--display-name", paramLabel = "TEXT", description = "What people see.")
    String displayName;

    @Option(names = "--session-mode", paramLabel = "MODE", description = "single or multi.")
    String sessionMode;

    @Option(names = "--protocol", paramLabel = "P", description = "The display protocol, e.g. rdp.")
    String protocol;

    @ArgGroup(exclusive = true)
    Enablement enablement;

    @Option(names = IDLE_OPTION, paramLabel = "DURATION", description = IDLE_HELP + " 'never' removes it.")
    String idleLogoff;

    @Option(names = DISCONNECTED_OPTION, paramLabel = "DURATION", description = DISCONNECTED_HELP + " 'never' removes it.")
    String disconnectedLogoff;

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object();
      putIfGiven(body, "displayName", displayName);
      putIfGiven(body, "sessionMode", oneOf("--session-mode", sessionMode, SESSION_MODES));
      putIfGiven(body, "protocol", protocol);
      if (enablement != null) {
        body.put("enabled", enablement.enable);
      }
      putLimit(this, body, IDLE_FIELD, IDLE_OPTION, idleLogoff);
      putLimit(this, body, DISCONNECTED_FIELD, DISCONNECTED_OPTION, disconnectedLogoff);
      if (body.isEmpty()) {
        throw usage("Nothing to change: give --display-name, --session-mode, --protocol, --enable, --disable, "
            + IDLE_OPTION + " or " + DISCONNECTED_OPTION);
      }
      return api.patch(ApiPath.admin("pools", name), body);
    }
  }

  /**
   * Sets a logoff limit given as a duration ({@code 30m}, {@code 2h}, {@code PT45S}) in whole
   * seconds; {@code never} sends null (none; on update, removes the limit). The broker checks the range.
   */
  static void putLimit(AdminCall call, ObjectNode body, String field, String option, String value) {
    if (value == null) {
      return;
    }
    if (value.strip().equals("never")) {
      body.putNull(field);
      return;
    }
    try {
      body.put(field, Durations.parse(value).toSeconds());
    } catch (IllegalArgumentException e) {
      throw call.usage("Invalid value for option '" + option + "': " + e.getMessage() + ", or never");
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      header = "Deletes a pool with its entitlements and assignments: DELETE /api/v1/admin/pools/NAME.",
      description = "Running sessions go on. Prints nothing.")
  static final class Delete extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The pool's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("pools", name));
    }
  }
}
