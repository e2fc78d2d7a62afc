package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    header = "Lists, shows, creates, changes and deletes the users who may sign in, and signs them out.",
    description = "Passwords are never shown, and never taken from the command line: a new password is "
        + "read from standard input (one line) or from a file. Group memberships change with "
        + "'admin groups add-member' and 'remove-member'.",
    subcommands = {
        UsersCommand.ListUsers.class,
        UsersCommand.Show.class,
        UsersCommand.Create.class,
        UsersCommand.Update.class,
        UsersCommand.Delete.class,
        UsersCommand.SignOut.class
    })
final class UsersCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Lists every user with their groups: GET /api/v1/admin/users.")
  static final class ListUsers extends AdminCall {
    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("users"));
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      header = "Shows one user: GET /api/v1/admin/users/NAME.")
  static final class Show extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The user's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("users", name));
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      header = "Creates a user: POST /api/v1/admin/users.",
      description = "The password (at least 8 characters) is the first line of standard input, "
          + "or of --new-password-file.",
      footerHeading = "%nExample:%n",
      footer = "  pwgen -s 24 1 | tee dave.pass | shardbroker admin users create dave")
  static final class Create extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The name to sign in with.")
    String name;

    @Option(names = "--display-name", paramLabel = "TEXT", description = "What people see (default: NAME).")
    String displayName;

    @Option(names = "--group", paramLabel = "GROUP", description = "A group to join; repeat for more. It must exist.")
    List<String> groups;

    @Option(names = "--disabled", description = "Create the user disabled: they cannot sign in yet.")
    boolean disabled;

    @Option(names = "--new-password-file", paramLabel = "FILE",
        description = "Read the new user's password from the first line of FILE instead of standard input.")
    Path newPasswordFile;

    @Override
    JsonNode send(AdminClient api) {
      String password = newPasswordFile != null
          ? Secrets.firstLine(newPasswordFile, "--new-password-file")
          : Secrets.line(stdin(), "give --new-password-file FILE");
      ObjectNode body = object().put("name", name).put("password", password);
      putIfGiven(body, "displayName", displayName);
      if (disabled) {
        body.put("enabled", false);
      }
      if (groups != null) {
        ArrayNode list = body.putArray("groups");
        groups.forEach(list::add);
      }
      return api.post(ApiPath.admin("users"), body);
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      header = "Changes a user: PATCH /api/v1/admin/users/NAME.",
      description = "Changes what is given; the rest stays. A disabled user cannot sign in; their running "
          + "sessions go on. A changed password applies to this broker at once, to others within 30 seconds.")
  static final class Update extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The user's name.")
    String name;

    @Option(names = "--display-name", paramLabel = "TEXT", description = "What people see.")
    String displayName;

    @ArgGroup(exclusive = true)
    Enablement enablement;

    @ArgGroup(exclusive = true)
    NewPassword newPassword;

    /** Where a new password comes from. */
    static final class NewPassword {
      @Option(names = "--new-password-file", paramLabel = "FILE", required = true,
          description = "Set the password to the first line of FILE.")
      Path file;

      @Option(names = "--new-password-stdin", required = true,
          description = "Set the password to the first line of standard input.")
      boolean stdin;
    }

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object();
      putIfGiven(body, "displayName", displayName);
      if (enablement != null) {
        body.put("enabled", enablement.enable);
      }
      if (newPassword != null) {
        body.put("password", newPassword.file != null
            ? Secrets.firstLine(newPassword.file, "--new-password-file")
            : Secrets.line(stdin(), "give --new-password-file FILE"));
      }
      if (body.isEmpty()) {
        throw usage("Nothing to change: give --display-name, --enable, --disable, "
            + "--new-password-file or --new-password-stdin");
      }
      return api.patch(ApiPath.admin("users", name), body);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      header = "Deletes a user with their memberships, entitlements and assignments: DELETE /api/v1/admin/users/NAME.",
      description = "Running sessions go on. Prints nothing.")
  static final class Delete extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The user's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("users", name));
    }
  }

  @Command(name = "sign-out", mixinStandardHelpOptions = true,
      header = "Ends every sign-in token of a user, at every broker: POST /api/v1/admin/users/NAME/sign-out.",
      description = "The user may sign in again; a script with their password (HTTP Basic) is not kept out: "
          + "change the password for that. Running sessions go on. Prints nothing.")
  static final class SignOut extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The user's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.post(ApiPath.admin("users", name, "sign-out"), null);
    }
  }
}
