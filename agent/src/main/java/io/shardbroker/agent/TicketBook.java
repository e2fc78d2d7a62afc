package io.shardbroker.agent;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One-time connection tickets of one VM. Each start answer (a new session or a reconnect) carries
 * a fresh ticket bound to its user and session; the session host lets a client in only with a
 * ticket it {@linkplain #redeem redeems}: once, for that user, before it expires. So connection
 * details that leak (a shared .rdp file, a log) do not let anyone else, or anyone later, in.
 *
 * <p>Thread-safe. Unused tickets are dropped when they expire; at most {@link #MAX_OPEN} are open.
 */
public final class TicketBook {

  /** How long a ticket is good: time enough for a client to connect, not for a replay later. */
  public static final Duration LIFETIME = Duration.ofSeconds(120);
  static final int MAX_OPEN = 1_000;

  /** A ticket as handed out. */
  public record Ticket(String value, String sessionId, String user, Instant expiresAt) {}

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  // Guarded by this; in the order issued, so the oldest go first.
  private final Map<String, Ticket> open = new LinkedHashMap<>();

  public TicketBook(Clock clock) {
    this.clock = clock;
  }

  /** A new ticket for {@code user} to connect to {@code sessionId}. */
  public synchronized Ticket issue(String sessionId, String user) {
    dropExpiredLocked();
    if (open.size() >= MAX_OPEN) {
      Iterator<String> oldest = open.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] raw = new byte[18];
    random.nextBytes(raw);
    Ticket ticket = new Ticket("sct-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw), sessionId, user,
        clock.instant().plus(LIFETIME));
    open.put(ticket.value(), ticket);
    return ticket;
  }

  /**
   * Takes {@code value} for a connection of {@code user}: the session it admits to, or empty when
   * it is unknown, used, expired or another user's. A ticket presented by the wrong user is used
   * up too: it has leaked.
   */
  public synchronized Optional<String> redeem(String value, String user) {
    dropExpiredLocked();
    Ticket ticket = value == null ? null : open.remove(value);
    if (ticket == null || !ticket.user().equals(user)) {
      return Optional.empty();
    }
    return Optional.of(ticket.sessionId());
  }

  private void dropExpiredLocked() {
    Instant now = clock.instant();
    open.values().removeIf(t -> !now.isBefore(t.expiresAt()));
  }
}
