package io.shardbroker.store;

/**
 * Session history. {@link #record} only queues: a background writer stores events in batches, so
 * brokering never waits for the database; {@link Store#close} writes whatever is queued.
 */
public interface SessionHistory {

  /** Queues an event for writing; never blocks on the database. */
  void record(SessionEvent event);

  /** Returns once every event recorded before the call is written (or the store gave up on them). */
  void flush();

  /**
   * How many events were dropped since the store opened: recorded while the queue was full (the
   * database was away too long) or after close, or refused by the database.
   */
  default long dropped() {
    return 0;
  }

  /** Events matching the query, newest first. */
  Page<SessionEvent> query(SessionEvent.Query query);
}
