package io.shardbroker.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.security.BasicAuthCredentials;
import io.shardbroker.protocol.Reason;
import io.shardbroker.store.AccountStore;
import io.shardbroker.store.Authenticator;
import io.shardbroker.store.User;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is asking: every {@code /api/} request but sign-in itself carries either a bearer token
 * from {@code POST /api/v1/auth/login} (the web portal) or HTTP Basic credentials (scripts).
 * Password checks of both go through the {@link SignInThrottle}, counted before the password is
 * checked, and every refusal is audited. At most {@link SignInPolicy#maxPasswordChecks} passwords
 * are checked at once (each Argon2 hash takes 19 MiB and a processor for a while); a sign-in beyond
 * them waits in line, and beyond {@link SignInPolicy#passwordCheckQueue} waiting is answered
 * {@code 503 overloaded} at once. A password checked right within the last
 * {@link Authenticator#REMEMBER} costs no hash and takes no place. The client is who the {@link
 * TrustedProxies} say it is.
 * {@code POST /api/v1/auth/logout} revokes the token it is sent with. {@code GET
 * /api/v1/auth/login}, open to all, gives what a sign-in form shows before anyone signs in.
 */
final class SignInApi {

  static final String LOGIN = "/api/v1/auth/login";
  static final String LOGOUT = "/api/v1/auth/logout";
  private static final String TOKEN = "shardbroker.token";

  /** The answer to a sign-in. */
  record SignedIn(String token, String expiresAt, String user) {}

  /** What a sign-in form shows: the operator's notice, empty for none. */
  record SignInForm(String notice) {}

  private final AccountStore accounts;
  private final Authenticator authenticator;
  private final SignInTokens tokens;
  private final SignInThrottle throttle;
  private final Refusals refusals;
  private final SignInForm form;
  private final TrustedProxies proxies;
  /** A place per password being checked; never waited for. */
  private final Semaphore passwordChecks;
  /** Sign-ins waiting for a password check now, and the most that may. */
  private final AtomicInteger waitingForCheck = new AtomicInteger();
  private final int mostWaitingForCheck;
  private final Duration retryAfter;

  /**
   * @param retryAfter what Retry-After says when every password check is taken
   */
  SignInApi(AccountStore accounts, Authenticator authenticator, SignInTokens tokens, SignInThrottle throttle,
      Refusals refusals, SignInPolicy policy, TrustedProxies proxies, Duration retryAfter) {
    this.accounts = accounts;
    this.authenticator = authenticator;
    this.tokens = tokens;
    this.throttle = throttle;
    this.refusals = refusals;
    this.form = new SignInForm(policy.notice());
    this.proxies = proxies;
    this.passwordChecks = new Semaphore(policy.maxPasswordChecks(), true);
    this.mostWaitingForCheck = policy.passwordCheckQueue();
    this.retryAfter = retryAfter;
  }

  /** The address of the request's client, as the trusted proxies tell it. */
  String client(Context ctx) {
    return proxies.client(ctx);
  }

  /** Registers the authentication of {@code /api/*}; call where it must run among the before-handlers. */
  void authenticateApi(JavalinConfig config, String openApiPath) {
    config.routes.before("/api/*", ctx -> {
      if (ctx.method() != HandlerType.OPTIONS && !ctx.path().equals(openApiPath) && !ctx.path().equals(LOGIN)
          && !ctx.path().equals(EnrollmentApi.ENROLL)) {  // an agent has a token, not a password
        authenticate(ctx);
      }
    });
  }

  void routes(JavalinConfig config) {
    config.routes.get(LOGIN, ctx -> Json.send(ctx, 200, form));
    config.routes.post(LOGIN, this::login);
    config.routes.post(LOGOUT, this::logout);
  }

  private void authenticate(Context ctx) {
    String header = ctx.header("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      SignInTokens.Token token = verifiedToken(header.substring(7).trim(), client(ctx));
      ctx.attribute(HttpApi.USER, token.user());
      ctx.attribute(TOKEN, token);
      return;
    }
    BasicAuthCredentials credentials;
    try {
      credentials = ctx.basicAuthCredentials();
    } catch (RuntimeException e) {
      credentials = null;  // malformed header
    }
    if (credentials == null) {
      throw new BrokerException(Reason.UNAUTHORIZED,
          "sign in: a bearer token from POST " + LOGIN + ", or HTTP Basic authentication");
    }
    ctx.attribute(HttpApi.USER, checkPassword(ctx, credentials.getUsername(), credentials.getPassword()).name());
  }

  /**
   * The token {@code value} stands for, when it is valid, unexpired, unrevoked, of an enabled user
   * and issued since the user's last password change, disable, removal from a group or sign-out
   * everywhere ({@link AccountStore#tokensValidAfter}); for credentials that come otherwise than in
   * an Authorization header too (a WebSocket's subprotocols).
   *
   * <p>That last check reads the store on every request, uncached (one primary-key read, which
   * also tells whether the user is enabled), so a change at any broker of the store ends the
   * user's tokens at every broker at once. Brokers' clocks should agree (NTP): a token issued by
   * a broker whose clock runs ahead of the one that made the change may outlive it by the skew.
   *
   * @param address the client's, for the audit log
   * @throws BrokerException {@code unauthorized}, audited
   */
  SignInTokens.Token verifiedToken(String value, String address) {
    SignInTokens.Token token = tokens.verify(value).orElseThrow(() -> {
      refusals.record("-", "signin.refuse", "token", "an invalid, expired or revoked token from " + address);
      return new BrokerException(Reason.UNAUTHORIZED, "your sign-in has expired or is not valid; sign in again");
    });
    Optional<Instant> validAfter = accounts.tokensValidAfter(token.user());
    if (validAfter.isEmpty()) {
      refusals.record(token.user(), "signin.refuse", token.user(), "a token of a disabled or deleted user");
      throw new BrokerException(Reason.UNAUTHORIZED, "your account is disabled or gone");
    }
    if (token.issuedAt().isBefore(validAfter.get())) {
      refusals.record(token.user(), "signin.refuse", token.user(), "a token issued before the user's password"
          + " change, removal from a group or sign-out everywhere, from " + address);
      throw new BrokerException(Reason.UNAUTHORIZED, "your sign-in has ended; sign in again");
    }
    return token;
  }

  private void login(Context ctx) {
    JsonNode body = Json.object(ctx, "{\"username\": \"alice\", \"password\": \"...\"}");
    Json.onlyFields(body, "username", "password");
    String name = Json.requiredString(body, "username");
    String password = Json.requiredString(body, "password");
    User user = checkPassword(ctx, name, password);
    SignInTokens.Token token = tokens.issue(user.name());
    ctx.header("Cache-Control", "no-store");
    Json.send(ctx, 200, new SignedIn(token.value(), token.expiresAt().toString(), user.name()));
  }

  private void logout(Context ctx) {
    SignInTokens.Token token = ctx.attribute(TOKEN);
    if (token == null) {
      throw new BrokerException(Reason.BAD_REQUEST, "sign out ends a bearer token; HTTP Basic keeps no sign-in to end");
    }
    tokens.revoke(token);
    ctx.status(204);
  }

  /**
   * The user, when the throttle lets the name and address try, a password check is free, and the
   * password is right. The throttle is asked first even for a remembered password, or the cheap
   * check would let a locked guesser try at HMAC speed.
   */
  private User checkPassword(Context ctx, String name, String password) {
    String address = client(ctx);
    throttle.refuseIfWaiting(name, address, "sign-ins");
    Optional<User> remembered = authenticator.remembered(name, password);
    if (remembered.isPresent()) {
      return remembered.get();
    }
    SignInThrottle.Attempt attempt = throttle.begin(name, address, "sign-ins");
    if (!takePasswordCheck()) {
      attempt.abandoned();
      throw new BrokerException(Reason.OVERLOADED, "the broker is checking as many passwords as it may at once"
          + " and as many sign-ins wait; try again in a moment", retryAfter);
    }
    Optional<User> user;
    try {
      user = authenticator.authenticate(name, password);
    } catch (RuntimeException e) {
      attempt.abandoned();  // the store or the directory failed: not a wrong password
      throw e;
    } finally {
      passwordChecks.release();
    }
    if (user.isEmpty()) {
      boolean locked = attempt.failed();
      refusals.record(name, locked ? "signin.lock" : "signin.refuse", name, "wrong password or unknown user, from "
          + address + (locked ? "; further sign-ins of this name from there, or from this address, wait" : ""));
      throw new BrokerException(Reason.UNAUTHORIZED, "wrong user name or password");
    }
    attempt.succeeded();
    return user.get();
  }

  /**
   * Takes a place to check a password: a free one, else a place in line while fewer than {@link
   * SignInPolicy#passwordCheckQueue} wait (each check ends: a hash's time, or the directory's
   * timeout); false when the line is full too.
   */
  private boolean takePasswordCheck() {
    if (passwordChecks.tryAcquire()) {
      return true;
    }
    if (waitingForCheck.incrementAndGet() > mostWaitingForCheck) {
      waitingForCheck.decrementAndGet();
      return false;
    }
    try {
      passwordChecks.acquire();
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      waitingForCheck.decrementAndGet();
    }
  }
}
