package io.shardbroker.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.shardbroker.protocol.Names;
import io.shardbroker.protocol.Reason;
import io.shardbroker.security.Pem;
import io.shardbroker.store.Actor;
import io.shardbroker.store.SecurityStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Agent enrollment over HTTP. An admin makes a one-time token for a VM id
 * ({@code POST /api/v1/admin/enrollments}); the VM's agent makes its key pair, and sends the token
 * with a certificate request ({@code POST /api/v1/enroll}, no user sign-in); the broker's enroller
 * certifies the request's key as that VM's agent. The token works once, for that VM only, until
 * it expires; the private key never leaves the VM. The token is checked before the certificate
 * request is read, so a wrong one costs no parsing or signing. Failed attempts are throttled per VM
 * id and per address like sign-ins, but by a throttle of their own, so failing enrollments cannot
 * lock users' sign-ins from an address, nor failing sign-ins block enrollments; they are audited.
 */
final class EnrollmentApi {

  static final String ENROLL = "/api/v1/enroll";
  private static final String CREATE = "/api/v1/admin/enrollments";

  record Created(String token, String vmId, String expiresAt) {}

  record Enrolled(String vmId, String certificate, String authority, String expiresAt) {}

  private final Enrollment enrollment;  // null: this broker does not enroll
  private final SecurityStore store;
  private final SignInThrottle throttle;
  private final Refusals refusals;
  private final String brokerId;
  private final TrustedProxies clients;

  EnrollmentApi(Enrollment enrollment, SecurityStore store, SignInThrottle throttle, Refusals refusals,
      String brokerId, TrustedProxies clients) {
    this.clients = clients;
    this.enrollment = enrollment;
    this.store = store;
    this.throttle = throttle;
    this.refusals = refusals;
    this.brokerId = brokerId;
  }

  void routes(JavalinConfig config) {
    config.routes.post(CREATE, this::create);
    config.routes.post(ENROLL, this::enroll);
  }

  private void create(Context ctx) {
    requireEnroller();
    JsonNode body = Json.object(ctx, "{\"vmId\": \"vm-0042\", \"validForSeconds\": 900}");
    Json.onlyFields(body, "vmId", "validForSeconds");
    String vmId = Json.requiredString(body, "vmId");
    JsonNode given = body.get("validForSeconds");
    Duration lifetime = Enrollment.TOKEN_LIFETIME_DEFAULT;
    if (given != null && !given.isNull()) {
      if (!given.canConvertToLong() || given.asLong() < 1) {
        throw new BrokerException(Reason.BAD_REQUEST, "validForSeconds", "\"validForSeconds\" must be a positive whole number");
      }
      lifetime = Duration.ofSeconds(given.asLong());
    }
    SecurityStore.EnrollmentToken token = store.createEnrollment(new Actor(HttpApi.user(ctx), brokerId), vmId, lifetime);
    ctx.header("Cache-Control", "no-store");
    Json.send(ctx, 201, new Created(token.token(), token.vmId(), token.expiresAt().toString()));
  }

  private void enroll(Context ctx) {
    requireEnroller();
    JsonNode body = Json.object(ctx, "{\"vmId\": \"vm-0042\", \"token\": \"sbe1...\", \"certificateRequest\": \"-----BEGIN CERTIFICATE REQUEST-----...\"}");
    Json.onlyFields(body, "vmId", "token", "certificateRequest");
    String vmId = Json.requiredString(body, "vmId");
    String token = Json.requiredString(body, "token");
    String request = Json.requiredString(body, "certificateRequest");
    if (!Names.valid(vmId)) {
      throw new BrokerException(Reason.BAD_REQUEST, "vmId", "\"vmId\" must be 1-128 letters, digits or . _ : -");
    }
    String address = clients.client(ctx);
    String throttleKey = "enroll:" + vmId;
    throttle.refuseIfWaiting(throttleKey, address, "enrollments");
    Actor agent = new Actor("agent:" + vmId, brokerId);
    SignInThrottle.Attempt attempt = throttle.begin(throttleKey, address, "enrollments");
    List<X509Certificate> chain;
    try {
      chain = certifyWithToken(agent, token, vmId, request);
    } catch (RuntimeException e) {
      attempt.abandoned();  // a bad certificate request or a failing store: the token was not wrong
      throw e;
    }
    if (chain == null) {
      boolean locked = attempt.failed();
      refusals.record(agent.user(), locked ? "enrollment.lock" : "enrollment.refuse", vmId, "from " + address);
      throw new BrokerException(Reason.ENROLLMENT_REFUSED,
          "the enrollment token is unknown, used, expired or for another VM; ask an admin for a new one");
    }
    attempt.succeeded();
    Json.send(ctx, 200, new Enrolled(vmId, Pem.certificates(chain), Pem.certificates(List.of(enrollment.enroller().root())),
        chain.get(0).getNotAfter().toInstant().toString()));
  }

  /**
   * The agent's certificate chain, or null when {@code token} is not good for {@code vmId}. The
   * token is checked first, so a request without a good one gets no parsing or signing; the
   * certificate request next, before the token is used up, so a malformed one does not waste it.
   *
   * @throws BrokerException BAD_REQUEST for a certificate request the enroller cannot take
   */
  private List<X509Certificate> certifyWithToken(Actor agent, String token, String vmId, String request) {
    if (!store.enrollmentRedeemable(token, vmId)) {
      return null;
    }
    List<X509Certificate> chain;
    try {
      chain = enrollment.enroller().certifyAgent(vmId, request, enrollment.agentValidity());
    } catch (IllegalArgumentException e) {
      throw new BrokerException(Reason.BAD_REQUEST, "certificateRequest", e.getMessage());
    }
    // Still decides: another agent may have used the token since the check.
    return store.redeemEnrollment(agent, token, vmId) ? chain : null;
  }

  private void requireEnroller() {
    if (enrollment == null) {
      throw new BrokerException(Reason.NOT_FOUND, "this broker does not enroll agents: start it with an enroller "
          + "(shardbroker certs issue --enroller; broker option --enroller-cert)");
    }
  }
}
