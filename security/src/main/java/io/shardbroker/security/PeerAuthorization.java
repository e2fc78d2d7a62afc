package io.shardbroker.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a call in only when its TLS peer's certificate names a role allowed to call that service,
 * and makes the peer's identity available to the service as {@link PeerIdentity#current()}.
 * Calls to services not listed are refused: a new service is closed until someone says who may
 * call it. Refusals are logged with the peer's identity.
 */
public final class PeerAuthorization implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(PeerAuthorization.class);
  private static final String SESSION_VALUE = "io.shardbroker.security.identity";

  private final Map<String, Set<Role>> callers;

  /** @param callers for each gRPC service name, the roles that may call it */
  public PeerAuthorization(Map<String, Set<Role>> callers) {
    this.callers = Map.copyOf(callers);
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String service = call.getMethodDescriptor().getServiceName();
    Identity peer = identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (peer == null) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "this server takes only TLS connections with a client certificate of its CA"), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    Set<Role> allowed = callers.get(service);
    if (allowed == null || !allowed.contains(peer.role())) {
      log.warn("refused {} from {}: that role may not call this service", service, peer);
      call.close(Status.PERMISSION_DENIED.withDescription(
          "a " + peer.role().label() + " certificate may not call " + service), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return Contexts.interceptCall(Context.current().withValue(PeerIdentity.KEY, peer), call, headers, next);
  }

  /** The identity in the session's peer certificate, parsed once per session; null without one. */
  private static Identity identity(SSLSession session) {
    if (session == null) {
      return null;
    }
    if (session.getValue(SESSION_VALUE) instanceof Identity known) {
      return known;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return null;
      }
      Identity identity = Identity.of(leaf);
      session.putValue(SESSION_VALUE, identity);
      return identity;
    } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
      return null;  // the trust manager would have refused such a peer; be safe anyway
    }
  }
}
