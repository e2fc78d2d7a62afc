package io.shardbroker.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.shardbroker.broker.AdminViews.AssignmentView;
import io.shardbroker.broker.AdminViews.EntitlementView;
import io.shardbroker.broker.AdminViews.GroupView;
import io.shardbroker.broker.AdminViews.MaintenanceView;
import io.shardbroker.broker.AdminViews.PoolView;
import io.shardbroker.broker.AdminViews.UserView;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.Actor;
import io.shardbroker.store.AuditEntry;
import io.shardbroker.store.Authenticator;
import io.shardbroker.store.Entitlement;
import io.shardbroker.store.Group;
import io.shardbroker.store.PageRequest;
import io.shardbroker.store.Pool;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.Store;
import io.shardbroker.store.User;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The admin API under {@code /api/v1/admin/}: pools, users and groups, entitlements, dedicated
 * assignments, maintenance, session history and audit. Only members of the {@code admins} group
 * get past {@link #requireAdmin}; the store writes every change to the audit log with the admin's
 * name and this broker's id.
 */
final class AdminApi {

  private static final String PREFIX = "/api/v1/admin";
  private static final String IDLE_LOGOFF = "idleLogoffAfterSeconds";
  private static final String DISCONNECTED_LOGOFF = "disconnectedLogoffAfterSeconds";

  private final Store store;
  private final Authenticator authenticator;
  private final DrainedVms drained;
  private final String brokerId;

  private final Refusals refusals;

  AdminApi(Store store, Authenticator authenticator, DrainedVms drained, String brokerId, Refusals refusals) {
    this.refusals = refusals;
    this.store = store;
    this.authenticator = authenticator;
    this.drained = drained;
    this.brokerId = brokerId;
  }

  void configure(JavalinConfig config) {
    config.routes.before(PREFIX + "/*", this::requireAdmin);
    config.routes.get(PREFIX + "/pools", ctx -> Json.send(ctx, 200,
        new AdminViews.PoolList(store.pools().list().stream().map(PoolView::of).toList())));
    config.routes.post(PREFIX + "/pools", this::createPool);
    config.routes.get(PREFIX + "/pools/{name}", ctx -> Json.send(ctx, 200, PoolView.of(
        store.pools().find(ctx.pathParam("name")).orElseThrow(() -> notFound("pool", ctx.pathParam("name"))))));
    config.routes.patch(PREFIX + "/pools/{name}", this::updatePool);
    config.routes.delete(PREFIX + "/pools/{name}", ctx -> {
      store.pools().delete(ctx.pathParam("name"), actor(ctx));
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/users", ctx -> Json.send(ctx, 200,
        new AdminViews.UserList(store.accounts().users().stream().map(UserView::of).toList())));
    config.routes.post(PREFIX + "/users", this::createUser);
    config.routes.get(PREFIX + "/users/{name}", ctx -> Json.send(ctx, 200, UserView.of(
        store.accounts().user(ctx.pathParam("name")).orElseThrow(() -> notFound("user", ctx.pathParam("name"))))));
    config.routes.patch(PREFIX + "/users/{name}", this::updateUser);
    // Ends the user's sign-in tokens at every broker of the store (HTTP Basic sends the password
    // each time: change it to keep a script out).
    config.routes.post(PREFIX + "/users/{name}/sign-out", ctx -> {
      store.accounts().signOutEverywhere(ctx.pathParam("name"), actor(ctx));
      ctx.status(204);
    });
    config.routes.delete(PREFIX + "/users/{name}", ctx -> {
      store.accounts().deleteUser(ctx.pathParam("name"), actor(ctx));
      authenticator.forget(ctx.pathParam("name"));
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/groups", ctx -> Json.send(ctx, 200,
        new AdminViews.GroupList(store.accounts().groups().stream().map(GroupView::of).toList())));
    config.routes.post(PREFIX + "/groups", this::createGroup);
    config.routes.get(PREFIX + "/groups/{name}", ctx -> Json.send(ctx, 200, GroupView.of(
        store.accounts().group(ctx.pathParam("name")).orElseThrow(() -> notFound("group", ctx.pathParam("name"))))));
    config.routes.delete(PREFIX + "/groups/{name}", ctx -> {
      store.accounts().deleteGroup(ctx.pathParam("name"), actor(ctx));
      ctx.status(204);
    });
    config.routes.put(PREFIX + "/groups/{name}/members/{user}", ctx -> {
      store.accounts().addMember(ctx.pathParam("name"), ctx.pathParam("user"), actor(ctx));
      ctx.status(204);
    });
    config.routes.delete(PREFIX + "/groups/{name}/members/{user}", ctx -> {
      store.accounts().removeMember(ctx.pathParam("name"), ctx.pathParam("user"), actor(ctx));
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/entitlements", ctx -> Json.send(ctx, 200, new AdminViews.EntitlementList(
        store.entitlements().list(ctx.queryParam("pool"), ctx.queryParam("user"), ctx.queryParam("group"))
            .stream().map(EntitlementView::of).toList())));
    config.routes.post(PREFIX + "/entitlements", this::createEntitlement);
    config.routes.delete(PREFIX + "/entitlements/{id}", ctx -> {
      store.entitlements().delete(longPath(ctx, "id"), actor(ctx));
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/assignments", ctx -> Json.send(ctx, 200, new AdminViews.AssignmentList(
        store.assignments().list(ctx.queryParam("pool"), ctx.queryParam("user"))
            .stream().map(AssignmentView::of).toList())));
    config.routes.post(PREFIX + "/assignments", this::assign);
    config.routes.delete(PREFIX + "/assignments/{vmId}", ctx -> {
      store.assignments().unassign(ctx.pathParam("vmId"), actor(ctx));
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/maintenance", ctx -> Json.send(ctx, 200, new AdminViews.MaintenanceList(
        store.maintenance().list().stream().map(MaintenanceView::of).toList())));
    config.routes.put(PREFIX + "/vms/{vmId}/maintenance", this::drain);
    config.routes.delete(PREFIX + "/vms/{vmId}/maintenance", ctx -> {
      store.maintenance().undrain(ctx.pathParam("vmId"), actor(ctx));
      drained.refresh();
      ctx.status(204);
    });

    config.routes.get(PREFIX + "/sessions", this::sessionHistory);
    config.routes.get(PREFIX + "/audit", this::audit);
  }

  /** Lets only enabled members of the admins group reach {@code paths}, as the admin API. */
  void guard(JavalinConfig config, List<String> paths) {
    paths.forEach(path -> config.routes.before(path, this::requireAdmin));
  }

  private void requireAdmin(Context ctx) {
    String name = HttpApi.user(ctx);
    if (name == null) {
      // Only a preflight (OPTIONS) comes here unauthenticated: no attempt of anyone's, not audited,
      // so that nobody can fill the audit log without even a name.
      throw new BrokerException(Reason.UNAUTHORIZED, "the admin API is for signed-in administrators");
    }
    // Read afresh, not from the sign-in cache: leaving the admins group takes effect at once.
    boolean admin = name != null && store.accounts().user(name)
        .filter(u -> u.enabled() && u.groups().contains(Group.ADMINS))
        .isPresent();
    if (!admin) {
      refusals.record(name, "access.refuse", ctx.method() + " " + ctx.path(), "not an enabled member of '"
          + Group.ADMINS + "'");
      throw new BrokerException(Reason.FORBIDDEN, "only members of the '" + Group.ADMINS
          + "' group may use the admin API");
    }
  }

  // ---- pools ---------------------------------------------------------------------------------

  private void createPool(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"name\": \"desktop\", \"kind\": \"floating\"}");
    Json.onlyFields(body, "name", "displayName", "kind", "sessionMode", "protocol", "enabled", IDLE_LOGOFF,
        DISCONNECTED_LOGOFF);
    String name = Json.requiredString(body, "name");
    String kind = Json.optionalString(body, "kind");
    String mode = Json.optionalString(body, "sessionMode");
    String protocol = Json.optionalString(body, "protocol");
    Boolean enabled = Json.optionalBoolean(body, "enabled");
    String displayName = Json.optionalString(body, "displayName");
    Pool pool = store.pools().create(new Pool(name, displayName == null ? name : displayName,
        kind == null ? Pool.Kind.FLOATING : AdminViews.parse(Pool.Kind.class, "kind", kind),
        mode == null ? Pool.SessionMode.SINGLE : AdminViews.parse(Pool.SessionMode.class, "sessionMode", mode),
        protocol == null ? "rdp" : protocol, enabled == null || enabled,
        new Pool.LogoffPolicy(logoffLimit(body, IDLE_LOGOFF, null), logoffLimit(body, DISCONNECTED_LOGOFF, null))),
        actor(ctx));
    created(ctx, "/pools/" + encode(pool.name()), PoolView.of(pool));
  }

  private void updatePool(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"enabled\": false}");
    if (body.has("kind")) {
      throw new BrokerException(Reason.BAD_REQUEST, "kind",
          "the kind of a pool cannot change; create a new pool instead");
    }
    Json.onlyFields(body, "displayName", "sessionMode", "protocol", "enabled", IDLE_LOGOFF, DISCONNECTED_LOGOFF);
    String mode = Json.optionalString(body, "sessionMode");
    Pool pool = store.pools().update(ctx.pathParam("name"), new Pool.Change(
        Json.optionalString(body, "displayName"),
        mode == null ? null : AdminViews.parse(Pool.SessionMode.class, "sessionMode", mode),
        Json.optionalString(body, "protocol"),
        Json.optionalBoolean(body, "enabled"),
        logoffLimit(body, IDLE_LOGOFF, Pool.Change.NEVER),
        logoffLimit(body, DISCONNECTED_LOGOFF, Pool.Change.NEVER)), actor(ctx));
    Json.send(ctx, 200, PoolView.of(pool));
  }

  /**
   * A logoff limit in whole seconds, 1 to 30 days; null when the field is absent, {@code ifNull}
   * when it is JSON null (on create: never; on update: clear the limit).
   */
  private static Duration logoffLimit(JsonNode body, String field, Duration ifNull) {
    JsonNode value = body.get(field);
    if (value == null) {
      return null;
    }
    if (value.isNull()) {
      return ifNull;
    }
    long max = Pool.LogoffPolicy.MAX.toSeconds();
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1 || value.asLong() > max) {
      throw new BrokerException(Reason.BAD_REQUEST, field, "\"" + field + "\" must be whole seconds from 1 to "
          + max + " (" + Pool.LogoffPolicy.MAX.toDays() + " days), or null for never; got " + value);
    }
    return Duration.ofSeconds(value.asLong());
  }

  // ---- users and groups ----------------------------------------------------------------------

  private void createUser(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"name\": \"carol\", \"password\": \"...\"}");
    Json.onlyFields(body, "name", "password", "displayName", "enabled", "groups");
    String name = Json.requiredString(body, "name");
    String displayName = Json.optionalString(body, "displayName");
    Boolean enabled = Json.optionalBoolean(body, "enabled");
    User user = store.accounts().createUser(new User.New(name, displayName == null ? name : displayName,
        Json.requiredString(body, "password"), enabled == null || enabled,
        Json.optionalStrings(body, "groups")), actor(ctx));
    created(ctx, "/users/" + encode(user.name()), UserView.of(user));
  }

  private void updateUser(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"enabled\": false}");
    Json.onlyFields(body, "displayName", "password", "enabled");
    String name = ctx.pathParam("name");
    User user = store.accounts().updateUser(name, new User.Change(
        Json.optionalString(body, "displayName"), Json.optionalString(body, "password"),
        Json.optionalBoolean(body, "enabled")), actor(ctx));
    authenticator.forget(name);
    Json.send(ctx, 200, UserView.of(user));
  }

  private void createGroup(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"name\": \"engineering\"}");
    Json.onlyFields(body, "name", "description");
    String description = Json.optionalString(body, "description");
    Group group = store.accounts().createGroup(Json.requiredString(body, "name"),
        description == null ? "" : description, actor(ctx));
    created(ctx, "/groups/" + encode(group.name()), GroupView.of(group));
  }

  // ---- entitlements, assignments, maintenance ------------------------------------------------

  private void createEntitlement(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"pool\": \"desktop\", \"group\": \"staff\"}");
    Json.onlyFields(body, "pool", "user", "group");
    String pool = Json.requiredString(body, "pool");
    String user = Json.optionalString(body, "user");
    String group = Json.optionalString(body, "group");
    if ((user == null) == (group == null)) {
      throw new BrokerException(Reason.BAD_REQUEST, user == null ? "user" : "group",
          "give either \"user\" or \"group\", not both or neither");
    }
    Entitlement e = store.entitlements().create(pool,
        user != null ? Entitlement.Principal.user(user) : Entitlement.Principal.group(group), actor(ctx));
    created(ctx, "/entitlements/" + e.id(), EntitlementView.of(e));
  }

  private void assign(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"pool\": \"engineering\", \"user\": \"bob\", \"vmId\": \"vm-0042\"}");
    Json.onlyFields(body, "pool", "user", "vmId");
    var a = store.assignments().assign(Json.requiredString(body, "pool"),
        Json.requiredString(body, "user"), Json.requiredString(body, "vmId"), actor(ctx));
    created(ctx, "/assignments/" + encode(a.vmId()), AssignmentView.of(a));
  }

  private void drain(Context ctx) {
    JsonNode body = Json.optionalObject(ctx);
    Json.onlyFields(body, "reason");
    String reason = Json.optionalString(body, "reason");
    var m = store.maintenance().drain(ctx.pathParam("vmId"), reason == null ? "" : reason, actor(ctx));
    drained.refresh();
    Json.send(ctx, 200, MaintenanceView.of(m));
  }

  // ---- history -------------------------------------------------------------------------------

  private void sessionHistory(Context ctx) {
    String event = ctx.queryParam("event");
    var page = store.history().query(new SessionEvent.Query(
        ctx.queryParam("user"), ctx.queryParam("pool"), ctx.queryParam("vmId"),
        event == null ? null : AdminViews.parse(SessionEvent.Kind.class, "event", event),
        instantQuery(ctx, "since"), instantQuery(ctx, "until"), page(ctx)));
    Json.send(ctx, 200, new AdminViews.SessionEventPage(
        page.items().stream().map(AdminViews.SessionEventView::of).toList(), page.nextBefore()));
  }

  private void audit(Context ctx) {
    var page = store.audit().query(new AuditEntry.Query(ctx.queryParam("actor"),
        ctx.queryParam("action"), ctx.queryParam("target"), instantQuery(ctx, "since"),
        instantQuery(ctx, "until"), page(ctx)));
    Json.send(ctx, 200, new AdminViews.AuditPage(
        page.items().stream().map(AdminViews.AuditView::of).toList(), page.nextBefore()));
  }

  private static PageRequest page(Context ctx) {
    Long limit = longQuery(ctx, "limit");
    if (limit != null && (limit < 1 || limit > PageRequest.LIMIT_MAX)) {
      throw new BrokerException(Reason.BAD_REQUEST, "limit", "limit must be 1.." + PageRequest.LIMIT_MAX);
    }
    return new PageRequest(limit == null ? PageRequest.LIMIT_DEFAULT : limit.intValue(),
        longQuery(ctx, "before"));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private Actor actor(Context ctx) {
    return new Actor(HttpApi.user(ctx), brokerId);
  }

  private static void created(Context ctx, String path, Object body) {
    ctx.header("Location", PREFIX + path);
    Json.send(ctx, 201, body);
  }

  private static BrokerException notFound(String what, String name) {
    return new BrokerException(Reason.NOT_FOUND, "there is no " + what + " named '" + name + "'");
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static long longPath(Context ctx, String name) {
    try {
      return Long.parseLong(ctx.pathParam(name));
    } catch (NumberFormatException e) {
      throw new BrokerException(Reason.NOT_FOUND, "there is no entitlement with id '" + ctx.pathParam(name) + "'");
    }
  }

  private static Long longQuery(Context ctx, String name) {
    String text = ctx.queryParam(name);
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new BrokerException(Reason.BAD_REQUEST, name, name + " must be a whole number; got '" + text + "'");
    }
  }

  private static Instant instantQuery(Context ctx, String name) {
    String text = ctx.queryParam(name);
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new BrokerException(Reason.BAD_REQUEST, name,
          name + " must be an ISO-8601 instant such as 2026-11-25T08:00:00Z; got '" + text + "'");
    }
  }
}
