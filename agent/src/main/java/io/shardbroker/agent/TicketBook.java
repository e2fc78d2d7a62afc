package io.shardbroker.agent;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time connection tickets of one VM. Each start answer (a new session or a reconnect) carries
 * a fresh ticket bound to its user and session; the session host lets a client in only with a
 * ticket it {@linkplain #redeem redeems}: once, for that user, before it expires. So connection
 * details that leak (a shared .rdp file, a log) do not let anyone else, or anyone later, in.
 *
 * <p>A session has one open ticket at most: a new one (a reconnect) replaces the session's last, so
 * a user who asks again and again can only ever spend their own ticket, never push out another
 * session's. So the book holds about as many tickets as the VM runs sessions; past {@link #MAX_OPEN}
 * (the most sessions a VM may take, {@link AgentSettings#MAX_CAPACITY}, which only a churn of that
 * many sessions within a ticket's lifetime reaches) the oldest goes, with a warning.
 *
 * <p>Thread-safe. Unused tickets are dropped when they expire.
 */
public final class TicketBook {

  /** How long a ticket is good: time enough for a client to connect, not for a replay later. */
  public static final Duration LIFETIME = Duration.ofSeconds(120);
  static final int MAX_OPEN = AgentSettings.MAX_CAPACITY;
  private static final Logger log = LoggerFactory.getLogger(TicketBook.class);

  /** A ticket as handed out. */
  public record Ticket(String value, String sessionId, String user, Instant expiresAt) {}

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  // Guarded by this; in the order issued, so the oldest go first.
  private final Map<String, Ticket> open = new LinkedHashMap<>();
  /** The open ticket's value of each session that has one; guarded by this. */
  private final Map<String, String> bySession = new HashMap<>();

  public TicketBook(Clock clock) {
    this.clock = clock;
  }

  /** A new ticket for {@code user} to connect to {@code sessionId}. */
  public synchronized Ticket issue(String sessionId, String user) {
    dropExpiredLocked();
    String replaced = bySession.remove(sessionId);
    if (replaced != null) {
      open.remove(replaced);
    }
    if (open.size() >= MAX_OPEN) {
      Ticket oldest = open.values().iterator().next();
      removeLocked(oldest);
      log.warn("{} connection tickets open, the most a VM keeps: the oldest, of session {}, no longer works",
          MAX_OPEN, oldest.sessionId());
    }
    byte[] raw = new byte[18];
    random.nextBytes(raw);
    Ticket ticket = new Ticket("sct-" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw), sessionId, user,
        clock.instant().plus(LIFETIME));
    open.put(ticket.value(), ticket);
    bySession.put(sessionId, ticket.value());
    return ticket;
  }

  /**
   * Takes {@code value} for a connection of {@code user}: the session it admits to, or empty when
   * it is unknown, used, expired or another user's. A ticket presented by the wrong user is used
   * up too: it has leaked.
   */
  public synchronized Optional<String> redeem(String value, String user) {
    dropExpiredLocked();
    Ticket ticket = value == null ? null : open.get(value);
    if (ticket != null) {
      removeLocked(ticket);
    }
    if (ticket == null || !ticket.user().equals(user)) {
      return Optional.empty();
    }
    return Optional.of(ticket.sessionId());
  }

  private void dropExpiredLocked() {
    Instant now = clock.instant();
    open.values().removeIf(t -> {
      boolean expired = !now.isBefore(t.expiresAt());
      if (expired) {
        bySession.remove(t.sessionId(), t.value());
      }
      return expired;
    });
  }

  private void removeLocked(Ticket ticket) {
    open.remove(ticket.value());
    bySession.remove(ticket.sessionId(), ticket.value());
  }
}
