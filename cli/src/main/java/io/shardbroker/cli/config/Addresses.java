package io.shardbroker.cli.config;

import java.net.InetSocketAddress;

/** {@code host:port} strings. */
public final class Addresses {

  private Addresses() {}

  public static InetSocketAddress parse(String what, String hostPort) {
    requireHostPort(what, hostPort);
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  static void requireHostPort(String what, String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    boolean ok = colon > 0 && colon < hostPort.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        ok = port >= 0 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new IllegalArgumentException(what + " must be host:port, got '" + hostPort + "'");
    }
  }
}
