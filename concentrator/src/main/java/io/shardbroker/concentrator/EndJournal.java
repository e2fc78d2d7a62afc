package io.shardbroker.concentrator;

import io.shardbroker.protocol.v1.EndedSession;
import io.shardbroker.protocol.v1.JournaledEnd;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

/**
 * The session ends this concentrator's VMs reported, numbered in the order it heard them, for
 * brokers to read with their health polls (HealthRequest's cursor) and record in the history.
 * The same end may be journaled again (a VM that moves here reports its recent ends anew) and
 * every set journals it: brokers record each session's end once. Bounded: the oldest go first;
 * a broker that falls further behind than {@link #KEPT} ends misses some. Thread-safe.
 */
final class EndJournal {

  static final int KEPT = 4_096;
  /** The most ends one health answer carries. */
  static final int PER_ANSWER = 256;

  private final String id = UUID.randomUUID().toString();
  private final Deque<JournaledEnd> ends = new ArrayDeque<>();
  private long last;

  /** This run's journal: a broker's cursor into another one starts over. */
  String id() {
    return id;
  }

  synchronized void add(String vmId, EndedSession end) {
    ends.addLast(JournaledEnd.newBuilder().setSequence(++last).setVmId(vmId).setEnd(end).build());
    if (ends.size() > KEPT) {
      ends.removeFirst();
    }
  }

  /** The ends after {@code sequence} of journal {@code journal} (all kept, for another journal), oldest first. */
  synchronized List<JournaledEnd> after(String journal, long sequence) {
    long from = id.equals(journal) ? sequence : 0;
    List<JournaledEnd> found = new ArrayList<>();
    for (JournaledEnd e : ends) {
      if (e.getSequence() > from) {
        found.add(e);
        if (found.size() == PER_ANSWER) {
          break;
        }
      }
    }
    return found;
  }
}
