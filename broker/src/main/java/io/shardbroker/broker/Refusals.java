package io.shardbroker.broker;

import io.shardbroker.store.Actor;
import io.shardbroker.store.SecurityStore;
import io.shardbroker.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every refused request (a wrong password, a locked sign-in, a bad token, a user reaching
 * for the admin API or for someone else's session) to the audit log, so that an administrator
 * sees attempts, not only changes. A refusal stands even when the audit log cannot be written;
 * that failure is logged.
 *
 * <p>Repeats are counted, not written: the first refusal of a kind (who, action, target) writes its
 * row and opens a window of {@link #WINDOW}; the same refusals within it only count, and when it is
 * over one row says how many came. So a client that repeats a bad token a thousand times a second
 * writes two rows a minute, not a thousand a second, and the audit log stays readable and small.
 * At most {@link #MOST_KINDS} kinds are counted at once; past that a new kind's window is not kept
 * (its rows are written as they come) until the sweep ({@link #writeCounts}) frees places.
 */
final class Refusals {

  private static final Logger log = LoggerFactory.getLogger(Refusals.class);
  static final Duration WINDOW = Duration.ofMinutes(1);
  static final int MOST_KINDS = 10_000;

  private final SecurityStore store;
  private final String brokerId;
  private final Clock clock;
  /** Open windows by kind; guarded by itself. */
  private final Map<Kind, Window> windows = new HashMap<>();

  /** Refusals alike for counting: the same actor, action and target. */
  private record Kind(String actor, String action, String target) {}

  /** A window: when it opened, and how many more refusals came in it after its first. */
  private static final class Window {
    final Instant opened;
    long repeats;

    Window(Instant opened) {
      this.opened = opened;
    }
  }

  Refusals(SecurityStore store, String brokerId, Clock clock) {
    this.store = store;
    this.brokerId = brokerId;
    this.clock = clock;
  }

  /**
   * @param who the user name given, or "-" when none
   * @param action e.g. {@code signin.refuse}, {@code access.refuse}
   * @param target what was reached for: a user name, a path, a session id
   * @param detail for people; never a password or a token
   */
  void record(String who, String action, String target, String detail) {
    // Names that were refused may hold anything; the audit log takes printable text only.
    String actor = who == null || who.isEmpty() ? "-" : printable(who);
    target = printable(target);
    log.info("refused: {} by '{}' on {}: {}", action, actor, target, detail);
    Kind kind = new Kind(actor, action, target);
    Instant now = clock.instant();
    Window ended = null;
    synchronized (windows) {
      Window open = windows.get(kind);
      if (open != null && now.isBefore(open.opened.plus(WINDOW))) {
        open.repeats++;
        return;
      }
      if (open != null) {
        ended = windows.remove(kind);
      }
      if (windows.size() < MOST_KINDS) {
        windows.put(kind, new Window(now));
      }
    }
    if (ended != null) {
      writeCount(kind, ended);
    }
    write(kind, detail);
  }

  /**
   * Writes the count of every window that is over, and forgets it; call now and then (the broker
   * does, every {@link #WINDOW}) so that a burst's count is written even when no refusal follows.
   */
  void writeCounts() {
    writeCountsOver(clock.instant());
  }

  /** Writes the count of every window, over or not; when the broker stops. */
  void writeAllCounts() {
    writeCountsOver(Instant.MAX);
  }

  private void writeCountsOver(Instant now) {
    Map<Kind, Window> over = new HashMap<>();
    synchronized (windows) {
      windows.entrySet().removeIf(e -> {
        boolean done = !now.isBefore(e.getValue().opened.plus(WINDOW));
        if (done) {
          over.put(e.getKey(), e.getValue());
        }
        return done;
      });
    }
    over.forEach(this::writeCount);
  }

  private void writeCount(Kind kind, Window window) {
    if (window.repeats > 0) {
      write(kind, window.repeats + " more like this in the " + WINDOW.toMinutes() + " minute(s) from "
          + window.opened);
    }
  }

  private void write(Kind kind, String detail) {
    try {
      store.audit(new Actor(kind.actor(), brokerId), kind.action(), kind.target(), detail);
    } catch (StoreException e) {
      log.error("could not write the refusal {} of '{}' to the audit log: {}", kind.action(), kind.actor(),
          e.getMessage());
    }
  }

  /** {@code text} with control characters shown as {@code \\uXXXX}, at most 256 characters. */
  static String printable(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(256).forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
