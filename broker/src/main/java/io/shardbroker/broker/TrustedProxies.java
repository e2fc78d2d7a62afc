package io.shardbroker.broker;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The proxies in front of the broker (a TLS proxy, a load balancer) whose word is believed about
 * who the client is, and the client address that follows from it. Without them every client behind
 * one proxy has the proxy's address, and one user's failed sign-ins would slow all.
 *
 * <p>When the connection comes from a trusted proxy, the client is the right-most address of its
 * {@code X-Forwarded-For} or {@code Forwarded} ({@code for=}) header that is not itself a trusted
 * proxy: each proxy appends the address it was connected from, so that one was written by the
 * last proxy we trust, and everything left of it may be the client's invention. A connection from
 * anyone else is its own address, whatever headers it sends. When a trusted proxy's entry cannot
 * be read (a name, {@code unknown}, an obfuscated {@code _id}), or the two headers name different
 * clients (a client sent one the proxy did not overwrite), the client is the proxy itself: an
 * address only such requests share.
 *
 * <p>Addresses are IP literals; names are refused, so that reading the settings never asks DNS.
 * Immutable.
 */
public final class TrustedProxies {

  /** Nobody's header is believed: the default. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private record Network(byte[] prefix, int bits) {
    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (a[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return rest == 0 || (a[whole] & mask) == (prefix[whole] & mask);
    }
  }

  private final List<String> addresses;
  private final List<Network> networks;

  /**
   * @param addresses IP addresses and networks in CIDR notation ({@code 10.0.0.5},
   *     {@code 10.1.0.0/16}, {@code fd00::/8})
   * @throws IllegalArgumentException naming an entry that is neither
   */
  public TrustedProxies(List<String> addresses) {
    List<Network> parsed = new ArrayList<>();
    for (String entry : addresses) {
      parsed.add(network(entry));
    }
    this.addresses = List.copyOf(addresses);
    this.networks = Collections.unmodifiableList(parsed);
  }

  /** The addresses and networks as given. */
  public List<String> addresses() {
    return addresses;
  }

  /** Whether {@code address} is one of the trusted proxies. */
  boolean trusts(InetAddress address) {
    return networks.stream().anyMatch(n -> n.contains(address));
  }

  /** The address of the client of {@code ctx}, as {@link #client(String, List, List)} says. */
  String client(Context ctx) {
    if (networks.isEmpty()) {
      return client(ctx.ip(), List.of(), List.of());
    }
    return client(ctx.ip(), headerLines(ctx, "X-Forwarded-For"), headerLines(ctx, "Forwarded"));
  }

  private static List<String> headerLines(Context ctx, String name) {
    Enumeration<String> lines = ctx.req().getHeaders(name);
    return lines == null ? List.of() : Collections.list(lines);
  }

  /**
   * The client's address, in canonical text.
   *
   * @param peer the address the connection comes from
   * @param forwardedFor the request's {@code X-Forwarded-For} header lines, in order
   * @param forwarded its {@code Forwarded} header lines, in order
   */
  String client(String peer, List<String> forwardedFor, List<String> forwarded) {
    InetAddress from = literal(unbracketed(peer));
    if (from == null) {
      return peer;
    }
    if (!trusts(from)) {
      return from.getHostAddress();
    }
    InetAddress byForwardedFor = forwardedFor.isEmpty() ? null : rightMostUntrusted(entries(forwardedFor, false), from);
    InetAddress byForwarded = forwarded.isEmpty() ? null : rightMostUntrusted(entries(forwarded, true), from);
    InetAddress client = byForwardedFor == null ? byForwarded
        : byForwarded == null || byForwarded.equals(byForwardedFor) ? byForwardedFor : from;
    return (client == null ? from : client).getHostAddress();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrustedProxies other && other.addresses.equals(addresses);
  }

  @Override
  public int hashCode() {
    return addresses.hashCode();
  }

  @Override
  public String toString() {
    return "TrustedProxies" + addresses;
  }

  /**
   * Walking from the right, the first entry that is not a trusted proxy; the left-most when all
   * are; {@code peer} when an entry on the way cannot be read.
   */
  private InetAddress rightMostUntrusted(List<String> entries, InetAddress peer) {
    InetAddress last = null;
    for (int i = entries.size() - 1; i >= 0; i--) {
      InetAddress address = literal(hostOf(entries.get(i)));
      if (address == null) {
        return peer;
      }
      if (!trusts(address)) {
        return address;
      }
      last = address;
    }
    return last;
  }

  /** The entries of the header lines, in order: for {@code Forwarded}, the {@code for=} values. */
  private static List<String> entries(List<String> lines, boolean forwarded) {
    List<String> entries = new ArrayList<>();
    for (String line : lines) {
      for (String element : line.split(",")) {
        if (!forwarded) {
          entries.add(element.strip());
          continue;
        }
        for (String pair : element.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("for")) {
            entries.add(pair.substring(eq + 1).strip());
          }
        }
      }
    }
    return entries;
  }

  /** The address part of an entry: unquoted, without brackets or a port. */
  private static String hostOf(String entry) {
    String e = entry.length() >= 2 && entry.startsWith("\"") && entry.endsWith("\"")
        ? entry.substring(1, entry.length() - 1) : entry;
    if (e.startsWith("[")) {
      int close = e.indexOf(']');
      return close < 0 ? e : e.substring(1, close);
    }
    int colon = e.indexOf(':');
    return colon > 0 && colon == e.lastIndexOf(':') ? e.substring(0, colon) : e;  // IPv4 with a port
  }

  private static String unbracketed(String peer) {
    return peer != null && peer.startsWith("[") && peer.endsWith("]") ? peer.substring(1, peer.length() - 1) : peer;
  }

  /** The IP address {@code text} is written as, or null for anything else; never asks DNS. */
  static InetAddress literal(String text) {
    if (text == null) {
      return null;
    }
    if (IPV4.matcher(text).matches()) {
      for (String octet : text.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return null;
        }
      }
    } else if (!IPV6.matcher(text).matches()) {
      return null;  // a name, a zone id, garbage: InetAddress would look names up
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  private static Network network(String entry) {
    String text = entry == null ? "" : entry.strip();
    int slash = text.indexOf('/');
    InetAddress address = literal(slash < 0 ? text : text.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("a trusted proxy must be an IP address or a network such as 10.0.0.0/8, got '"
          + entry + "'");
    }
    int max = address.getAddress().length * 8;
    int bits = max;
    if (slash >= 0) {
      String length = text.substring(slash + 1);
      bits = length.matches("\\d{1,3}") ? Integer.parseInt(length) : -1;
      if (bits < 0 || bits > max) {
        throw new IllegalArgumentException("the prefix length of trusted proxy '" + entry + "' must be 0.." + max);
      }
    }
    return new Network(address.getAddress(), bits);
  }
}
