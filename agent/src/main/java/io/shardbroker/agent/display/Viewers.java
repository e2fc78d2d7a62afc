package io.shardbroker.agent.display;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which connection holds each session's display, so that a session has one viewer and an agent at
 * most {@code maxOpen} open displays. A connection claims its session's slot once its ticket is
 * good, before it reaches the display; a newer claim takes the slot over and the older connection
 * is closed, as with VMware Horizon, without the session counting as disconnected in between.
 *
 * <p>It tells {@link DisplayActivity} that a session is connected when its holder starts relaying,
 * and disconnected when the holder of a viewed session lets go with no one to take over. Calls to
 * the activity are made with the lock held, so that they arrive in the order things happened;
 * that is why the activity must not block.
 *
 * <p>Thread-safe.
 *
 * @param <C> a connection
 */
final class Viewers<C> {

  /** A session's display: who holds it, and whether the activity was told it is connected. */
  private record Slot<C>(C holder, boolean viewed) {}

  private final int maxOpen;
  private final DisplayActivity activity;
  // Guarded by this: session id -> its slot.
  private final Map<String, Slot<C>> slots = new HashMap<>();

  Viewers(int maxOpen, DisplayActivity activity) {
    this.maxOpen = maxOpen;
    this.activity = activity;
  }

  /**
   * Gives {@code sessionId}'s slot to {@code connection}.
   *
   * @return the connection that held it, for the caller to close
   * @throws RelayRefusal busy when the session holds no slot and all are taken
   */
  synchronized Optional<C> claim(String sessionId, C connection) throws RelayRefusal {
    Slot<C> old = slots.get(sessionId);
    if (old == null && slots.size() >= maxOpen) {
      throw RelayRefusal.busy(maxOpen);
    }
    slots.put(sessionId, new Slot<>(connection, old != null && old.viewed()));
    return old == null ? Optional.empty() : Optional.of(old.holder());
  }

  /**
   * {@code connection} starts relaying {@code sessionId}: the session is connected.
   *
   * @return false when a newer connection took the slot over meanwhile; this one must close
   */
  synchronized boolean viewing(String sessionId, C connection) {
    Slot<C> slot = slots.get(sessionId);
    if (slot == null || slot.holder() != connection) {
      return false;
    }
    slots.put(sessionId, new Slot<>(connection, true));
    activity.connected(sessionId);
    return true;
  }

  /** {@code connection} is done with {@code sessionId}; nothing when it no longer holds it. */
  synchronized void release(String sessionId, C connection) {
    Slot<C> slot = slots.get(sessionId);
    if (slot == null || slot.holder() != connection) {
      return;
    }
    slots.remove(sessionId);
    if (slot.viewed()) {
      activity.disconnected(sessionId);
    }
  }

  /** How many sessions hold a slot. */
  synchronized int open() {
    return slots.size();
  }
}
