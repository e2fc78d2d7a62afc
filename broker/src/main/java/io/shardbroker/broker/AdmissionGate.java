package io.shardbroker.broker;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets at most {@link Admission#inFlight} session requests through at once and at most
 * {@link Admission#queued} wait for a place, each no longer than {@link Admission#maxWait};
 * see {@link Admission} for why. Waiters are served in arrival order. Thread-safe.
 */
final class AdmissionGate {

  private final Admission admission;
  private final Semaphore places;
  private final AtomicInteger waiting = new AtomicInteger();

  AdmissionGate(Admission admission) {
    this.admission = admission;
    this.places = new Semaphore(admission.inFlight(), true);
  }

  /**
   * Takes a place, waiting if needed; true when taken, and then the caller must {@link #leave}.
   * False when the queue is full or the wait ran out.
   */
  boolean enter() throws InterruptedException {
    if (places.tryAcquire()) {
      return true;
    }
    if (waiting.incrementAndGet() > admission.queued()) {
      waiting.decrementAndGet();
      return false;
    }
    try {
      return places.tryAcquire(admission.maxWait().toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      waiting.decrementAndGet();
    }
  }

  void leave() {
    places.release();
  }

  /** Requests being brokered now. */
  int inFlight() {
    return admission.inFlight() - places.availablePermits();
  }

  /** Requests waiting for a place now. */
  int waiting() {
    return waiting.get();
  }
}
