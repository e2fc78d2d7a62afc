package io.shardbroker.broker;

import io.shardbroker.protocol.v1.EndedSession;
import io.shardbroker.protocol.v1.JournaledEnd;
import io.shardbroker.store.SessionEvent;
import io.shardbroker.store.SessionHistory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the session ends the concentrators journal into the history, with why each ended
 * ({@code detail}: requested, logged_off, idle, disconnected): so the history knows of ends no
 * broker asked for, such as a logoff inside the desktop. Every set journals each end, and a
 * concentrator may journal one again; this broker writes each session's end once (it remembers
 * the last {@link #REMEMBERED} it wrote), and the store keeps one end per session when several
 * brokers write it.
 */
final class SessionEndsRecorder {

  static final int REMEMBERED = 10_000;

  private final SessionHistory history;
  private final String brokerId;
  // Guarded by this: session ids whose end this broker wrote, oldest first.
  private final Map<String, Boolean> written = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  };

  SessionEndsRecorder(SessionHistory history, String brokerId) {
    this.history = history;
    this.brokerId = brokerId;
  }

  void record(List<JournaledEnd> ends) {
    for (JournaledEnd journaled : ends) {
      EndedSession end = journaled.getEnd();
      synchronized (this) {
        if (written.put(end.getSessionId(), Boolean.TRUE) != null) {
          continue;
        }
      }
      history.record(new SessionEvent(0, Instant.ofEpochMilli(end.getEndedAtMs()), SessionEvent.Kind.END,
          end.getUser(), end.getPool(), journaled.getVmId(), end.getSessionId(), brokerId, null, reason(end)));
    }
  }

  /** The reason as the history and the API write it: {@code logged_off} for END_REASON_LOGGED_OFF. */
  static String reason(EndedSession end) {
    return end.getReason().name().replaceFirst("^END_REASON_", "").toLowerCase(Locale.ROOT);
  }
}
