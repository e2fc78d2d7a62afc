package io.shardbroker.broker;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.shardbroker.broker.ApiViews.ConcentratorItem;
import io.shardbroker.broker.ConcentratorDirectory.Member;
import io.shardbroker.protocol.Reason;
import io.shardbroker.protocol.v1.HealthResponse;
import io.shardbroker.protocol.v1.ListVmsRequest;
import io.shardbroker.protocol.v1.VmStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an administrator sees of the fleet: the topology ({@code GET /api/v1/topology}), the VMs a
 * page at a time ({@code GET /api/v1/vms}) and their counts per pool ({@code GET
 * /api/v1/vms/summary}), each as one set's concentrators see it. They name concentrators' addresses
 * and who works on which VM, so they are for admins only ({@link #PATHS}, guarded by the admin API's
 * check); users see their own sessions and the pools they may use.
 */
final class FleetApi {

  /** The longest {@code q} of {@code GET /api/v1/vms}, and its largest {@code limit}. */
  private static final int MATCH_MAX = 128;
  private static final int LIMIT_MAX = 10_000;

  private final ConcentratorDirectory directory;
  private final DrainedVms drained;
  private final VmCounts counts;
  private final VmPages pages;

  FleetApi(ConcentratorDirectory directory, DrainedVms drained, VmCounts counts, VmPages pages) {
    this.directory = directory;
    this.drained = drained;
    this.counts = counts;
    this.pages = pages;
  }

  private static final String TOPOLOGY = "/api/v1/topology";
  private static final String VMS = "/api/v1/vms";
  private static final String VM_SUMMARY = "/api/v1/vms/summary";
  /** Its paths, for the admin check. */
  static final List<String> PATHS = List.of(TOPOLOGY, VMS, VM_SUMMARY);

  void routes(JavalinConfig config) {
    config.routes.get(TOPOLOGY, this::topology);
    config.routes.get(VMS, this::vms);
    config.routes.get(VM_SUMMARY, this::vmSummary);
  }

  private void topology(Context ctx) {
    var sets = directory.sets().stream()
        .map(set -> new ApiViews.SetItem(set.id(), set.members().stream().map(this::describe).toList()))
        .toList();
    Json.send(ctx, 200, new ApiViews.TopologyView(directory.topology().getVersion(), sets));
  }

  private ConcentratorItem describe(Member m) {
    HealthResponse health = m.lastHealth;
    boolean up = m.health == ConcentratorDirectory.Health.UP;
    return new ConcentratorItem(m.id(), m.endpoint.getAddress(),
        m.health.name().toLowerCase(Locale.ROOT),
        up && health != null ? health.getAttachedVms() : null,
        up && health != null ? health.getUnreachableVms() : null,
        up && health != null ? health.getSessions() : null,
        up ? null : m.lastError);
  }

  private void vms(Context ctx) {
    // Every VM is shown, also those naming a pool the store does not know (they are never brokered).
    String pool = ctx.queryParam("pool");
    String match = ctx.queryParam("q");
    if (match != null && match.length() > MATCH_MAX) {
      throw new BrokerException(Reason.BAD_REQUEST, "q", "q may have at most " + MATCH_MAX + " characters");
    }
    ListVmsRequest request = ListVmsRequest.newBuilder()
        .setPool(pool == null ? "" : pool)
        .setStatus(parseState(ctx.queryParam("state")))
        .setMatch(match == null ? "" : match)
        .setWithSessions(parseBoolean(ctx, "withSessions"))
        .setLimit(parseLimit(ctx))
        .build();
    VmPages.Page page = pages.list(ctx.queryParam("set"), request);
    var inMaintenance = drained.current();
    var vms = page.vms().stream()
        .map(vm -> ApiViews.VmItem.of(vm, inMaintenance.contains(vm.getVmId())))
        .toList();
    Json.send(ctx, 200, new ApiViews.VmList(page.setId(), page.complete(), vms.size(), page.matching(), vms));
  }

  private static boolean parseBoolean(Context ctx, String name) {
    String text = ctx.queryParam(name);
    if (text == null || text.isEmpty() || text.equals("false")) {
      return false;
    }
    if (text.equals("true")) {
      return true;
    }
    throw new BrokerException(Reason.BAD_REQUEST, name, name + " must be true or false; got '" + text + "'");
  }

  /** {@code limit}: 1 to {@value #LIMIT_MAX}; without it, 0 (every VM). */
  private static int parseLimit(Context ctx) {
    String text = ctx.queryParam("limit");
    if (text == null || text.isEmpty()) {
      return 0;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= LIMIT_MAX) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BrokerException(Reason.BAD_REQUEST, "limit", "limit must be a whole number from 1 to " + LIMIT_MAX
        + "; got '" + text + "'");
  }

  private void vmSummary(Context ctx) {
    Json.send(ctx, 200, ApiViews.VmSummary.of(counts.of(ctx.queryParam("set"))));
  }

  private static VmStatus parseState(String state) {
    if (state == null || state.isEmpty()) {
      return VmStatus.VM_STATUS_UNSPECIFIED;
    }
    for (VmStatus s : VmStatus.values()) {
      if (s != VmStatus.VM_STATUS_UNSPECIFIED && s != VmStatus.UNRECOGNIZED
          && ApiViews.stateName(s).equals(state)) {
        return s;
      }
    }
    String known = Arrays.stream(VmStatus.values())
        .filter(s -> s != VmStatus.VM_STATUS_UNSPECIFIED && s != VmStatus.UNRECOGNIZED)
        .map(ApiViews::stateName)
        .collect(Collectors.joining(", "));
    throw new BrokerException(Reason.BAD_REQUEST, "state", "state must be one of " + known + "; got '" + state + "'");
  }
}
