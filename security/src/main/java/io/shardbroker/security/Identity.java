package io.shardbroker.security;

import io.shardbroker.protocol.Names;
import java.net.URI;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who a certificate says its holder is: a role and the names it holds that role for. It is written
 * in the certificate's subject alternative names as SPIFFE-style URIs,
 * {@code spiffe://shardbroker/<role>/<name>}, one per name; only a fleet certificate has more
 * than one (its VM id prefixes). Only the private CA issues these, so a peer that proves it holds
 * the key of such a certificate is who the URIs say.
 */
public record Identity(Role role, List<String> names) {

  /** The trust domain of every identity URI. */
  public static final String TRUST_DOMAIN = "shardbroker";
  /** What a name may be: VM ids, concentrator and broker names, fleet prefixes. */

  private static final int URI_NAME = 6;  // GeneralName.uniformResourceIdentifier

  public Identity {
    if (role == null) {
      throw new IllegalArgumentException("an identity needs a role");
    }
    names = List.copyOf(names);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("a " + role.label() + " identity needs a name");
    }
    if (names.size() > 1 && role != Role.FLEET) {
      throw new IllegalArgumentException("only a fleet identity has several names; a " + role.label()
          + " identity has one, got " + names);
    }
    for (String n : names) {
      Names.require("a " + role.label() + "'s name", n);
    }
  }

  /** One role, one name: {@code of(Role.AGENT, "vm-0042")}. */
  public static Identity of(Role role, String name) {
    return new Identity(role, List.of(name));
  }

  /** The single name of a non-fleet identity (a fleet's first prefix). */
  public String name() {
    return names.get(0);
  }

  /**
   * Whether this identity may attach as VM {@code vmId}: an agent only as its own VM, a fleet as
   * any VM that starts with one of its prefixes, nobody else at all.
   */
  public boolean mayActAsVm(String vmId) {
    return switch (role) {
      case AGENT -> names.contains(vmId);
      case FLEET -> names.stream().anyMatch(vmId::startsWith);
      case BROKER, CONCENTRATOR -> false;
    };
  }

  /** The URIs that carry this identity in a certificate. */
  public List<URI> uris() {
    return names.stream().map(n -> URI.create("spiffe://" + TRUST_DOMAIN + "/" + role.label() + "/" + n)).toList();
  }

  /**
   * Reads the identity a certificate of the private CA carries.
   *
   * @throws IllegalArgumentException when it carries none, several roles, or a malformed one
   */
  public static Identity of(X509Certificate certificate) {
    Collection<List<?>> alternatives;
    try {
      alternatives = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("unreadable subject alternative names: " + e.getMessage(), e);
    }
    Role role = null;
    List<String> names = new ArrayList<>();
    String prefix = "spiffe://" + TRUST_DOMAIN + "/";
    if (alternatives != null) {
      for (List<?> alternative : alternatives) {
        if (!(alternative.get(0) instanceof Integer type) || type != URI_NAME
            || !(alternative.get(1) instanceof String uri) || !uri.startsWith(prefix)) {
          continue;
        }
        String[] parts = uri.substring(prefix.length()).split("/", -1);
        if (parts.length != 2) {
          throw new IllegalArgumentException("malformed identity URI '" + uri + "'");
        }
        Role r = Role.fromLabel(parts[0]);
        if (role != null && role != r) {
          throw new IllegalArgumentException("certificate names two roles: " + role.label() + " and " + r.label());
        }
        role = r;
        names.add(parts[1]);
      }
    }
    if (role == null) {
      throw new IllegalArgumentException("certificate '" + certificate.getSubjectX500Principal().getName()
          + "' carries no shardbroker identity (a " + prefix + "<role>/<name> URI)");
    }
    return new Identity(role, names);
  }

  /** {@code agent vm-0042}, {@code fleet [desktop-, shared-]}. */
  @Override
  public String toString() {
    return role.label() + " " + (names.size() == 1 ? names.get(0) : names.toString());
  }
}
