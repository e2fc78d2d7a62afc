package io.shardbroker.security;

import java.util.Locale;

/**
 * What a certificate lets its holder be on a gRPC link. A certificate names exactly one role, in
 * its {@linkplain Identity identity URI}; concentrators serve, every other role is a client.
 */
public enum Role {
  /** The agent of one VM, named in the certificate: it may attach as that VM only. */
  AGENT(false),
  /**
   * A process that speaks for many VMs, such as the simulator: it may attach as any VM whose id
   * starts with one of the prefixes its certificate names. Issue one only for what you would
   * trust with all those VMs.
   */
  FLEET(false),
  /** A broker: may ask concentrators for VMs and start and end sessions. */
  BROKER(false),
  /** A concentrator: the server that agents attach to and brokers ask. */
  CONCENTRATOR(true);

  private final boolean server;

  Role(boolean server) {
    this.server = server;
  }

  /** Whether certificates of this role are TLS server certificates (else client ones). */
  public boolean server() {
    return server;
  }

  /** The role as it is written in identity URIs and on the command line: {@code agent}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role for {@code label}, e.g. {@code broker}; a clear error for anything else. */
  public static Role fromLabel(String label) {
    for (Role r : values()) {
      if (r.label().equals(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException("role must be agent, fleet, broker or concentrator, got '" + label + "'");
  }
}
