package io.shardbroker.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Assignment;
import io.shardbroker.store.AuditEntry;
import io.shardbroker.store.Entitlement;
import io.shardbroker.store.Group;
import io.shardbroker.store.Maintenance;
import io.shardbroker.store.Pool;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.User;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The JSON shapes of the admin API (and the pool and user shapes users see). */
final class AdminViews {

  private AdminViews() {}

  /** A pool as admins see it; a logoff limit is whole seconds, null for never. */
  record PoolView(
      String name, String displayName, String kind, String sessionMode, String protocol, boolean enabled,
      Long idleLogoffAfterSeconds, Long disconnectedLogoffAfterSeconds) {
    static PoolView of(Pool p) {
      return new PoolView(p.name(), p.displayName(), wire(p.kind()), wire(p.sessionMode()),
          p.protocol(), p.enabled(), seconds(p.logoff().idleAfter()), seconds(p.logoff().disconnectedAfter()));
    }
  }

  record PoolList(List<PoolView> pools) {}

  /**
   * A pool as a user sees it in {@code GET /api/v1/pools}; {@code freeSessions} is null when no
   * concentrator set could be asked.
   */
  record EntitledPool(
      String name, String displayName, String kind, String sessionMode, String protocol, Long freeSessions) {
    static EntitledPool of(Pool p, Long freeSessions) {
      return new EntitledPool(p.name(), p.displayName(), wire(p.kind()), wire(p.sessionMode()),
          p.protocol(), freeSessions);
    }
  }

  record EntitledPoolList(List<EntitledPool> pools) {}

  record UserView(String name, String displayName, boolean enabled, List<String> groups, String createdAt) {
    static UserView of(User u) {
      return new UserView(u.name(), u.displayName(), u.enabled(), u.groups(), iso(u.createdAt()));
    }
  }

  record UserList(List<UserView> users) {}

  /** {@code GET /api/v1/me}. */
  record Me(String name, String displayName, List<String> groups, boolean admin) {}

  record GroupView(String name, String description, List<String> members) {
    static GroupView of(Group g) {
      return new GroupView(g.name(), g.description(), g.members());
    }
  }

  record GroupList(List<GroupView> groups) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record EntitlementView(long id, String pool, String user, String group, String createdAt) {
    static EntitlementView of(Entitlement e) {
      boolean user = e.principal().kind() == Entitlement.Principal.Kind.USER;
      return new EntitlementView(e.id(), e.pool(), user ? e.principal().name() : null,
          user ? null : e.principal().name(), iso(e.createdAt()));
    }
  }

  record EntitlementList(List<EntitlementView> entitlements) {}

  record AssignmentView(String pool, String user, String vmId, String assignedAt) {
    static AssignmentView of(Assignment a) {
      return new AssignmentView(a.pool(), a.user(), a.vmId(), iso(a.assignedAt()));
    }
  }

  record AssignmentList(List<AssignmentView> assignments) {}

  record MaintenanceView(String vmId, String reason, String by, String since) {
    static MaintenanceView of(Maintenance m) {
      return new MaintenanceView(m.vmId(), m.reason(), m.by(), iso(m.since()));
    }
  }

  record MaintenanceList(List<MaintenanceView> vms) {}

  record SessionEventView(
      long id, String at, String event, String user, String pool, String vmId, String sessionId,
      String broker, String requestId, String detail) {
    static SessionEventView of(SessionEvent e) {
      return new SessionEventView(e.id(), iso(e.at()), wire(e.kind()), e.user(), e.pool(),
          e.vmId(), e.sessionId(), e.broker(), e.requestId(), e.detail());
    }
  }

  record SessionEventPage(List<SessionEventView> events, Long nextBefore) {}

  record AuditView(
      long id, String at, String actor, String broker, String action, String target, String detail) {
    static AuditView of(AuditEntry a) {
      return new AuditView(a.id(), iso(a.at()), a.actor(), a.broker(), a.action(), a.target(), a.detail());
    }
  }

  record AuditPage(List<AuditView> entries, Long nextBefore) {}

  /** An enum as the API spells it: {@code DEDICATED} is {@code "dedicated"}. */
  static String wire(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** The enum constant the API spelling names, or a 400 naming the field and the choices. */
  static <E extends Enum<E>> E parse(Class<E> type, String field, String text) {
    for (E value : type.getEnumConstants()) {
      if (wire(value).equals(text)) {
        return value;
      }
    }
    List<String> choices = java.util.Arrays.stream(type.getEnumConstants()).map(AdminViews::wire).toList();
    throw new BrokerException(Reason.BAD_REQUEST, field,
        "\"" + field + "\" must be one of " + String.join(", ", choices) + "; got '" + text + "'");
  }

  private static Long seconds(Duration limit) {
    return limit == null ? null : limit.toSeconds();
  }

  private static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
