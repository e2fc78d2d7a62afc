package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    header = "Lists, shows, creates and deletes groups, and adds and removes their members.",
    description = "Pools can be granted to groups (see 'admin entitlements'); members of 'admins' may use "
        + "the admin API.",
    subcommands = {
        GroupsCommand.ListGroups.class,
        GroupsCommand.Show.class,
        GroupsCommand.Create.class,
        GroupsCommand.Delete.class,
        GroupsCommand.AddMember.class,
        GroupsCommand.RemoveMember.class
    })
final class GroupsCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      header = "Lists every group with its members: GET /api/v1/admin/groups.")
  static final class ListGroups extends AdminCall {
    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("groups"));
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      header = "Shows one group with its members: GET /api/v1/admin/groups/NAME.")
  static final class Show extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The group's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.admin("groups", name));
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      header = "Creates a group without members: POST /api/v1/admin/groups.")
  static final class Create extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The group's name.")
    String name;

    @Option(names = "--description", paramLabel = "TEXT", description = "What the group is for.")
    String description;

    @Override
    JsonNode send(AdminClient api) {
      ObjectNode body = object().put("name", name);
      putIfGiven(body, "description", description);
      return api.post(ApiPath.admin("groups"), body);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      header = "Deletes a group with its memberships and entitlements: DELETE /api/v1/admin/groups/NAME.",
      description = "Its users stay. Prints nothing.")
  static final class Delete extends AdminCall {
    @Parameters(paramLabel = "NAME", description = "The group's name.")
    String name;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("groups", name));
    }
  }

  @Command(name = "add-member", mixinStandardHelpOptions = true,
      header = "Adds a user to a group: PUT /api/v1/admin/groups/GROUP/members/USER.",
      description = "Adding a member again changes nothing. Prints nothing.")
  static final class AddMember extends AdminCall {
    @Parameters(index = "0", paramLabel = "GROUP", description = "The group's name.")
    String group;

    @Parameters(index = "1", paramLabel = "USER", description = "The user's name.")
    String user;

    @Override
    JsonNode send(AdminClient api) {
      return api.put(ApiPath.admin("groups", group, "members", user), null);
    }
  }

  @Command(name = "remove-member", mixinStandardHelpOptions = true,
      header = "Removes a user from a group: DELETE /api/v1/admin/groups/GROUP/members/USER.",
      description = "Fails with not_found when the user is not a member. Prints nothing.")
  static final class RemoveMember extends AdminCall {
    @Parameters(index = "0", paramLabel = "GROUP", description = "The group's name.")
    String group;

    @Parameters(index = "1", paramLabel = "USER", description = "The user's name.")
    String user;

    @Override
    JsonNode send(AdminClient api) {
      return api.delete(ApiPath.admin("groups", group, "members", user));
    }
  }
}
