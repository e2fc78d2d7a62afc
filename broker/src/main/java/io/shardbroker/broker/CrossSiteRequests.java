package io.shardbroker.broker;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.shardbroker.protocol.Reason;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses what a page of another site can make a browser send to the broker with the user's
 * credentials (cross-site request forgery). A form of any site may post to the API, and the
 * browser adds the Basic credentials it remembers for the broker; with {@code enctype="text/plain"}
 * such a form can even write a body that parses as JSON. Two checks, run before authentication:
 *
 * <ol>
 *   <li>A body is taken only as {@code application/json} (parameters such as {@code charset}
 *       allowed); any other, or none, answers 415. No form can send that type, and a script of
 *       another origin cannot send it without a CORS preflight, which the broker never grants.
 *   <li>A state-changing request (POST, PUT, PATCH, DELETE) that a browser marks as coming from a
 *       page ({@code Origin}, {@code Sec-Fetch-Site}) passes only when the browser says the page is
 *       of the broker's own origin ({@code Sec-Fetch-Site: same-origin}) or its {@code Origin} is
 *       one the {@link OriginPolicy} allows; any other answers 403. A request with neither header
 *       does not come from a browser's page (scripts, curl, the CLI), and passes.
 * </ol>
 *
 * <p>Browsers set both headers themselves, and no page can forge or remove them. Immutable.
 */
final class CrossSiteRequests {

  private static final Set<HandlerType> CHANGES =
      Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);
  private static final String JSON = "application/json";

  private final OriginPolicy origins;
  private final Refusals refusals;

  CrossSiteRequests(OriginPolicy origins, Refusals refusals) {
    this.origins = origins;
    this.refusals = refusals;
  }

  /**
   * A before-handler of every path.
   *
   * @throws BrokerException {@code forbidden} for a change asked for by a page of another site,
   *     {@code unsupported_media_type} for a body that is not JSON
   */
  void check(Context ctx) {
    if (CHANGES.contains(ctx.method()) && !fromOwnPage(ctx)) {
      String page = ctx.header("Origin") != null ? ctx.header("Origin") : "(Sec-Fetch-Site " + site(ctx) + ")";
      refusals.record("-", "crosssite.refuse", ctx.method() + " " + ctx.path(),
          "a page of " + Refusals.printable(page) + " from " + ctx.ip());
      throw new BrokerException(Reason.FORBIDDEN, "pages of other sites may not change anything at this broker;"
          + " its operator can allow an origin (displays.allowedOrigins)");
    }
    if (hasBody(ctx) && !isJson(ctx.header("Content-Type"))) {
      throw new BrokerException(Reason.UNSUPPORTED_MEDIA_TYPE, "the body must be JSON, sent with Content-Type: "
          + JSON + "; this one came as " + Refusals.printable(String.valueOf(ctx.header("Content-Type"))));
    }
  }

  /** Whether the request comes from no page at all, or from one the broker trusts. */
  private boolean fromOwnPage(Context ctx) {
    String origin = ctx.header("Origin");
    String site = site(ctx);
    if (origin == null && site == null) {
      return true;  // not a browser's page
    }
    return "same-origin".equals(site)
        || origin != null && origins.allows(origin, ctx.scheme(), ctx.header("Host"));
  }

  private static String site(Context ctx) {
    String site = ctx.header("Sec-Fetch-Site");
    return site == null ? null : site.strip().toLowerCase(Locale.ROOT);
  }

  private static boolean hasBody(Context ctx) {
    return ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    String type = parameters < 0 ? contentType : contentType.substring(0, parameters);
    return type.strip().equalsIgnoreCase(JSON);
  }
}
