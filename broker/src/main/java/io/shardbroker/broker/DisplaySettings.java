package io.shardbroker.broker;

import java.time.Duration;
import java.util.List;

/**
 * The bounds of the display gateway ({@link DisplayGateway}), through which browsers reach the
 * screens of desktops. Each open display holds a socket to an agent, a thread and a few tens of
 * KiB of heap for as long as the user looks at the desktop, so a broker takes only so many.
 *
 * @param maxOpen displays open at once on this broker
 * @param maxPerUser displays one user may have open at once on this broker (a desktop in two
 *     tabs, two desktops)
 * @param allowedOrigins web origins ({@code https://portal.example.com}, port optional) besides
 *     the broker's own whose pages may open displays and change anything through the API
 *     ({@link CrossSiteRequests}): the public origin of a TLS proxy in front of a broker that
 *     listens in plain HTTP, or a portal served from elsewhere
 * @param connectTimeout bound on connecting to an agent's display relay
 * @param answerTimeout bound on the relay's TLS handshake and its answer to the broker's request
 * @param idleTimeout bound on a display's stalls: a browser that does not take a message of the
 *     desktop within it, or a relay that does not take one of the browser, ends the display; and
 *     the WebSocket's idle timeout, for a connection on which nothing moves at all (the broker pings
 *     the browser every third of it, so an idle desktop in a live browser stays open)
 */
public record DisplaySettings(
    int maxOpen,
    int maxPerUser,
    List<String> allowedOrigins,
    Duration connectTimeout,
    Duration answerTimeout,
    Duration idleTimeout) {

  public static final int MAX_OPEN_DEFAULT = 200;
  public static final int MAX_PER_USER_DEFAULT = 4;
  public static final Duration CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
  public static final Duration ANSWER_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
  public static final Duration IDLE_TIMEOUT_DEFAULT = Duration.ofSeconds(60);

  public static final DisplaySettings DEFAULT = new DisplaySettings(MAX_OPEN_DEFAULT, MAX_PER_USER_DEFAULT, List.of(),
      CONNECT_TIMEOUT_DEFAULT, ANSWER_TIMEOUT_DEFAULT, IDLE_TIMEOUT_DEFAULT);

  public DisplaySettings {
    if (maxOpen < 1 || maxOpen > 100_000) {
      throw new IllegalArgumentException("displays max open must be 1..100000, got " + maxOpen);
    }
    if (maxPerUser < 1 || maxPerUser > maxOpen) {
      throw new IllegalArgumentException("displays max per user must be 1..max open (" + maxOpen + "), got "
          + maxPerUser);
    }
    allowedOrigins = List.copyOf(allowedOrigins == null ? List.of() : allowedOrigins);
    for (String origin : allowedOrigins) {
      OriginPolicy.parse(origin);  // the message names the origin at fault
    }
    requirePositive("displays connect timeout", connectTimeout);
    requirePositive("displays answer timeout", answerTimeout);
    requirePositive("displays idle timeout", idleTimeout);
  }

  public DisplaySettings withTimeouts(Duration connect, Duration answer, Duration idle) {
    return new DisplaySettings(maxOpen, maxPerUser, allowedOrigins, connect, answer, idle);
  }

  private static void requirePositive(String what, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
  }
}
