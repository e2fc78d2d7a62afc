package io.shardbroker.security;

import io.grpc.Context;

/**
 * The verified identity of the peer of the gRPC call being served, as {@link PeerAuthorization}
 * put it in the call's {@link Context}. Absent only on servers running without TLS
 * ({@code --insecure}) or on in-process transports.
 */
public final class PeerIdentity {

  static final Context.Key<Identity> KEY = Context.key("shardbroker-peer-identity");

  private PeerIdentity() {}

  /** The caller's identity, or null when this server authenticates nobody. */
  public static Identity current() {
    return KEY.get();
  }
}
