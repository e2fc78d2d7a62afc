package io.shardbroker.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code admin vms} and {@code admin counts}: the fleet as one set's concentrators see it. */
final class FleetCommands {

  static final int LIMIT_MAX = 10_000;

  private FleetCommands() {}

  @Command(name = "vms", mixinStandardHelpOptions = true,
      header = "Lists VMs, filtered by the concentrators: GET /api/v1/vms.",
      description = "Prints the first VMs by id that pass every filter given, and in 'matching' how many "
          + "pass in all. At 100,000 VMs, keep --limit: the concentrators then send only that many.")
  static final class Vms extends AdminCall {
    @Option(names = "--pool", paramLabel = "POOL", description = "Only VMs of this pool.")
    String pool;

    @Option(names = "--state", paramLabel = "STATE",
        description = "Only VMs in this state: available, in_use, pending, draining or unreachable.")
    String state;

    @Option(names = "--match", paramLabel = "TEXT",
        description = "Only VMs whose id, or the user of one of whose sessions, holds TEXT, in any case.")
    String match;

    @Option(names = "--with-sessions", description = "Only VMs that run a session.")
    boolean withSessions;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
        description = "At most N VMs, 1.." + LIMIT_MAX + " (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--set", paramLabel = "SET", description = "Ask this set (default: the first that answers).")
    String set;

    @Override
    JsonNode send(AdminClient api) {
      if (limit < 1 || limit > LIMIT_MAX) {
        throw usage("Invalid value for option '--limit': " + limit + " is not in 1.." + LIMIT_MAX);
      }
      return api.get(ApiPath.api("vms").query("set", set).query("pool", pool).query("state", state)
          .query("q", match).query("withSessions", withSessions ? true : null).query("limit", limit));
    }
  }

  @Command(name = "counts", mixinStandardHelpOptions = true,
      header = "Counts VMs per pool and state, with the sessions each pool can still start: "
          + "GET /api/v1/vms/summary.",
      description = "Each concentrator counts its own VMs, so this is cheap at any fleet size. VMs in "
          + "maintenance are counted in their state and in 'inMaintenance'; their room is not free.")
  static final class Counts extends AdminCall {
    @Option(names = "--set", paramLabel = "SET", description = "Ask this set (default: the first that answers).")
    String set;

    @Override
    JsonNode send(AdminClient api) {
      return api.get(ApiPath.api("vms", "summary").query("set", set));
    }
  }
}
