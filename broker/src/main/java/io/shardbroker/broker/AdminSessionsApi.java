package io.shardbroker.broker;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.shardbroker.store.Actor;
import io.shardbroker.store.SecurityStore;

/**
 * What admins may do with anyone's running sessions (a user, only with their own): list a user's
 * sessions as the concentrators see them, and end one. Ending is audited with the admin's name.
 * The admin API's guard ({@link AdminApi}) lets only admins get here.
 */
final class AdminSessionsApi {

  private static final String SESSIONS = "/api/v1/admin/users/{name}/sessions";

  private final SessionListing listing;
  private final SessionEnding ending;
  private final SecurityStore store;
  private final String brokerId;

  AdminSessionsApi(SessionListing listing, SessionEnding ending, SecurityStore store, String brokerId) {
    this.listing = listing;
    this.ending = ending;
    this.store = store;
    this.brokerId = brokerId;
  }

  void routes(JavalinConfig config) {
    config.routes.get(SESSIONS, this::list);
    config.routes.delete(SESSIONS + "/{sessionId}", this::end);
  }

  private void list(Context ctx) {
    Json.send(ctx, 200, new ApiViews.SessionList(listing.sessionsOf(ctx.pathParam("name")).stream()
        .map(ApiViews.SessionListItem::of)
        .toList()));
  }

  private void end(Context ctx) {
    String user = ctx.pathParam("name");
    String sessionId = ctx.pathParam("sessionId");
    ending.endSession(user, sessionId, HttpApi.requestId(ctx));
    store.audit(new Actor(HttpApi.user(ctx), brokerId), "session.end", sessionId, "a session of '" + user + "'");
    ctx.status(204);
  }
}
