package io.shardbroker.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardbroker.protocol.v1.Connection;
import io.shardbroker.protocol.v1.PlacedSession;
import io.shardbroker.protocol.v1.PoolCounts;
import io.shardbroker.protocol.v1.Session;
import io.shardbroker.protocol.v1.VmView;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The JSON shapes of the HTTP API, one record per shape. */
final class ApiViews {

  private ApiViews() {}

  /** Where to connect; a start's answer adds the one-time ticket the session host takes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ConnectionView(String protocol, String host, int port, String ticket, String ticketExpiresAt) {
    static ConnectionView of(Connection c) {
      return new ConnectionView(c.getProtocol(), c.getHost(), c.getPort(),
          c.getTicket().isEmpty() ? null : c.getTicket(),
          c.getTicket().isEmpty() ? null : instant(c.getTicketExpiresAtMs()));
    }
  }

  /** The answer to a session request. */
  record SessionView(
      String sessionId, String user, String pool, String vmId, String set, String concentrator,
      boolean reconnected, String startedAt, ConnectionView connection) {

    static SessionView of(BrokeredSession s) {
      Session session = s.session();
      return new SessionView(session.getSessionId(), session.getUser(), session.getPool(), s.vmId(),
          s.setId(), s.concentratorId(), s.reconnected(),
          instant(session.getStartedAtMs()), ConnectionView.of(session.getConnection()));
    }
  }

  /**
   * One of the caller's sessions in a listing; {@code state} is {@code unknown} while the VM's
   * agent is not heard from, {@code running} otherwise.
   */
  /**
   * A running session; {@code display} is whether a client views it ({@code active} or
   * {@code disconnected}, since {@code displaySince}), or null where the agent cannot see that.
   */
  record SessionListItem(
      String sessionId, String user, String pool, String vmId, String concentrator,
      boolean reachable, String state, String startedAt, String display, String displaySince,
      ConnectionView connection) {

    static SessionListItem of(PlacedSession p) {
      Session s = p.getSession();
      String display = ApiViews.display(s);
      return new SessionListItem(s.getSessionId(), s.getUser(), s.getPool(), p.getVmId(),
          p.getConcentratorId(), p.getReachable(), p.getReachable() ? "running" : "unknown",
          instant(s.getStartedAtMs()), display, display == null ? null : instant(s.getDisplaySinceMs()),
          ConnectionView.of(s.getConnection()));
    }
  }

  record SessionList(List<SessionListItem> sessions) {}

  /** A VM; {@code maintenance}: drained by an admin, so it gets no new sessions. */
  /**
   * A VM; {@code displays}: for each of {@code sessions}, in order, whether a client views it
   * ({@code active}, {@code disconnected}), or null where the agent cannot see its display.
   */
  record VmItem(
      String id, String pool, String state, int capacity, List<String> sessions, List<String> displays,
      String concentrator, boolean maintenance) {

    static VmItem of(VmView vm, boolean maintenance) {
      return new VmItem(vm.getVmId(), vm.getPool(), stateName(vm.getStatus()), vm.getCapacity(),
          vm.getSessionsList().stream().map(Session::getUser).toList(),
          vm.getSessionsList().stream().map(ApiViews::display).toList(), vm.getConcentratorId(),
          maintenance);
    }
  }

  /** A session's display as the API writes it: active, disconnected, or null where it is not known. */
  static String display(Session s) {
    return switch (s.getDisplay()) {
      case DISPLAY_ACTIVE -> "active";
      case DISPLAY_DISCONNECTED -> "disconnected";
      default -> null;
    };
  }

  /** {@code count}: the VMs listed; {@code matching}: all that passed the filters, past {@code limit} too. */
  record VmList(String set, boolean complete, int count, long matching, List<VmItem> vms) {}

  /**
   * One pool's VMs by state, each VM once; {@code inMaintenance}: how many of them are drained;
   * {@code freeSessions}: the sessions brokering may still start there.
   */
  record PoolSummary(
      String pool, long available, long inUse, long pending, long draining, long unreachable,
      long inMaintenance, long freeSessions) {

    static PoolSummary of(PoolCounts c) {
      return new PoolSummary(c.getPool(), unsigned(c.getAvailable()), unsigned(c.getInUse()),
          unsigned(c.getPending()), unsigned(c.getDraining()), unsigned(c.getUnreachable()),
          unsigned(c.getInMaintenance()), unsigned(c.getFreeSlots()));
    }
  }

  /** {@code GET /api/v1/vms/summary}: the pools in name order. */
  record VmSummary(String set, boolean complete, List<PoolSummary> pools) {
    static VmSummary of(VmCounts.Counted counted) {
      return new VmSummary(counted.setId(), counted.complete(),
          counted.byPool().values().stream().map(PoolSummary::of).toList());
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ConcentratorItem(
      String id, String address, String status, Integer attachedVms, Integer unreachableVms,
      Integer sessions, String lastError) {}

  record SetItem(String id, List<ConcentratorItem> concentrators) {}

  record TopologyView(long version, List<SetItem> sets) {}

  record Status(String status) {}

  static String stateName(io.shardbroker.protocol.v1.VmStatus status) {
    return status.name().substring("VM_STATUS_".length()).toLowerCase(Locale.ROOT);
  }

  /** A protobuf uint32, which Java holds in an int. */
  private static long unsigned(int uint32) {
    return Integer.toUnsignedLong(uint32);
  }

  private static String instant(long epochMillis) {
    return epochMillis == 0 ? null : Instant.ofEpochMilli(epochMillis).toString();
  }
}
