package io.shardbroker.agent.host.vnc;

import io.shardbroker.agent.display.DisplayActivity;
import io.shardbroker.agent.display.DisplayRelay;
import io.shardbroker.agent.display.TicketCheck;
import io.shardbroker.protocol.v1.Connection;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A VM's real desktops: the vnc session host, and the display relay through which brokers reach
 * its displays. The host's answers name the relay's address and the relay asks the agent about
 * tickets, so: make this, make the agent with {@link #host}, {@link #startRelay}, then start the
 * agent.
 */
public final class VncDesktops implements AutoCloseable {

  private final VncSessionHost host;
  private final AtomicReference<Connection> address = new AtomicReference<>();
  private DisplayRelay relay;

  public VncDesktops(VncHostSettings settings, Clock clock, SecureRandom random) {
    this.host = new VncSessionHost(settings, this::address, clock, random);
  }

  public VncSessionHost host() {
    return host;
  }

  /**
   * Starts the relay: with TLS that only brokers pass ({@code tls}), or in plain text when
   * {@code tls} is null (trials; it warns). Returns where brokers reach it: {@code advertisedHost}
   * and the port it got.
   */
  public synchronized Connection startRelay(DisplayRelay.Settings settings, SSLContext tls, String advertisedHost,
      TicketCheck tickets, DisplayActivity activity) throws IOException {
    relay = tls == null ? DisplayRelay.withoutTls(settings, tickets, host, activity)
        : new DisplayRelay(settings, tls, tickets, host, activity);
    relay.start();
    Connection connection = Connection.newBuilder().setProtocol("vnc").setHost(advertisedHost)
        .setPort(relay.port()).build();
    address.set(connection);
    return connection;
  }

  private Connection address() {
    Connection connection = address.get();
    if (connection == null) {
      throw new IllegalStateException("the display relay has not started yet");
    }
    return connection;
  }

  @Override
  public synchronized void close() {
    if (relay != null) {
      relay.close();
    }
    host.close();
  }
}
