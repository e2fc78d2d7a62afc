package io.shardbroker.broker;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The buffers that the open displays take a burst of their relays' bytes into, shared by all of
 * them: a display holds one only while a burst of it is read and sent, so that the many idle
 * displays of a broker hold none. Up to {@code keep} free buffers are kept for the next bursts;
 * past that a buffer given back is left to the collector. Thread-safe.
 */
final class BurstBuffers {

  /** A burst's most bytes: 4 TLS records' worth, one WebSocket message to the browser. */
  static final int SIZE = 64 * 1024;

  private final int keep;
  private final ConcurrentLinkedDeque<byte[]> free = new ConcurrentLinkedDeque<>();
  private final AtomicInteger kept = new AtomicInteger();

  /** @param keep how many free buffers to hold on to at most */
  BurstBuffers(int keep) {
    this.keep = keep;
  }

  /** A buffer of {@link #SIZE} bytes, the caller's alone until it gives it back. */
  byte[] take() {
    byte[] buffer = free.pollFirst();
    if (buffer == null) {
      return new byte[SIZE];
    }
    kept.decrementAndGet();
    return buffer;
  }

  /** Gives back a buffer of {@link #take}, which its taker no longer touches. */
  void give(byte[] buffer) {
    if (kept.incrementAndGet() <= keep) {
      free.push(buffer);
    } else {
      kept.decrementAndGet();
    }
  }
}
