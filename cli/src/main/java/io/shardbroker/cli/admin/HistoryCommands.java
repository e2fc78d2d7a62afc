package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code admin sessions} and {@code admin audit}: the session history and the audit log, page by page. */
final class HistoryCommands {

  static final int LIMIT_MAX = 1000;
  static final String[] EVENTS = {"start", "reconnect", "end", "refusal"};

  private HistoryCommands() {}

  /**
   * A log read newest first, a page at a time. Without {@code --all} this is one call and prints
   * the page as the broker sent it; with it, it follows {@code nextBefore} to the end and prints
   * one object with every item and {@code "nextBefore": null}.
   */
  abstract static class Paged extends AdminCall {
    @Option(names = "--since", paramLabel = "INSTANT",
        description = "Only from this instant on, e.g. 2026-11-25T08:00:00Z.")
    String since;

    @Option(names = "--until", paramLabel = "INSTANT", description = "Only before this instant.")
    String until;

    @Option(names = "--limit", paramLabel = "N",
        description = "Items per page, 1.." + LIMIT_MAX + " (the broker's default: 100).")
    Integer limit;

    @Option(names = "--before", paramLabel = "CURSOR",
        description = "Start at this page: the nextBefore of the page before it.")
    Long before;

    @Option(names = "--all", description = "Follow nextBefore to the oldest item and print all as one object.")
    boolean all;

    /** The name of the answer's list: {@code events} or {@code entries}. */
    abstract String itemsField();

    /** The path with this command's own filters. */
    abstract ApiPath filtered();

    @Override
    final JsonNode send(AdminClient api) {
      if (limit != null && (limit < 1 || limit > LIMIT_MAX)) {
        throw usage("Invalid value for option '--limit': " + limit + " is not in 1.." + LIMIT_MAX);
      }
      ApiPath path = filtered()
          .query("since", instant("--since", since))
          .query("until", instant("--until", until))
          .query("limit", limit);
      JsonNode page = items(api.get(path.query("before", before)));
      if (!all) {
        return page;
      }
      ObjectNode merged = page.deepCopy();
      ArrayNode items = (ArrayNode) merged.get(itemsField());
      Long cursor = before;
      while (page.path("nextBefore").isIntegralNumber()) {
        long next = page.get("nextBefore").asLong();
        if (cursor != null && next == cursor) {
          throw new AdminFailure(AdminFailure.Kind.API,
              "the broker answered nextBefore " + next + " twice; stopped instead of reading it forever");
        }
        cursor = next;
        page = items(api.get(path.query("before", next)));
        items.addAll((ArrayNode) page.get(itemsField()));
      }
      merged.putNull("nextBefore");
      return merged;
    }

    private JsonNode items(JsonNode page) {
      if (page == null || !page.path(itemsField()).isArray()) {
        throw new AdminFailure(AdminFailure.Kind.API,
            "the broker's answer has no \"" + itemsField() + "\" list; is the URL a shardbroker broker?");
      }
      return page;
    }
  }

  @Command(name = "sessions", mixinStandardHelpOptions = true,
      header = "Reads the session history: GET /api/v1/admin/sessions.",
      description = "Starts, reconnects, ends and refusals, newest first, matching every filter given. "
          + "A refusal has no VM or session; its detail is the error code the user got.",
      footerHeading = "%nExample:%n",
      footer = {
          "  shardbroker admin sessions --event refusal --since 2026-11-25T00:00:00Z \\",
          "      --all | jq -r '.events[] | [.at, .user, .pool, .detail] | @tsv'"
      })
  static final class Sessions extends Paged {
    @Option(names = "--user", paramLabel = "USER", description = "Only this user's sessions.")
    String user;

    @Option(names = "--pool", paramLabel = "POOL", description = "Only sessions in this pool.")
    String pool;

    @Option(names = "--vm", paramLabel = "VM", description = "Only sessions on this VM.")
    String vmId;

    @Option(names = "--event", paramLabel = "EVENT", description = "Only start, reconnect, end or refusal.")
    String event;

    @Override
    String itemsField() {
      return "events";
    }

    @Override
    ApiPath filtered() {
      return ApiPath.admin("sessions")
          .query("user", user)
          .query("pool", pool)
          .query("vmId", vmId)
          .query("event", oneOf("--event", event, EVENTS));
    }
  }

  @Command(name = "audit", mixinStandardHelpOptions = true,
      header = "Reads the audit log of admin changes: GET /api/v1/admin/audit.",
      description = "Who changed what through the admin API, newest first, matching every filter given.")
  static final class Audit extends Paged {
    @Option(names = "--actor", paramLabel = "USER", description = "Only changes made by this user.")
    String actor;

    @Option(names = "--action", paramLabel = "PREFIX",
        description = "Only actions starting with this, e.g. 'pool.' for every pool change, 'vm.drain'.")
    String action;

    @Option(names = "--target", paramLabel = "NAME", description = "Only changes to this pool, user, group or VM.")
    String target;

    @Override
    String itemsField() {
      return "entries";
    }

    @Override
    ApiPath filtered() {
      return ApiPath.admin("audit").query("actor", actor).query("action", action).query("target", target);
    }
  }
}
