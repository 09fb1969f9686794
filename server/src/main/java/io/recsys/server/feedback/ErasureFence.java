package io.recsys.server.feedback;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps a list ranked for a forgotten user's pre-erasure state out of the log: an erasure marks
 * the lineage of the user's state ({@code UserState.lineage()}), and a list ranked for a state of
 * a marked lineage is not logged, however late its Recommend call gets to logging it. Marking and
 * logging exclude each other per lineage, so a list is either logged before the mark (and then
 * erased with the rest) or not at all. Holds numbers only, never a user id; a mark is kept for
 * {@link #KEPT} (far past any Recommend deadline), and at most {@link #MAX_MARKS} of them.
 */
final class ErasureFence {
  static final Duration KEPT = Duration.ofMinutes(10);
  static final int MAX_MARKS = 100_000;
  private final ReadWriteLock[] stripes = new ReadWriteLock[64];
  /** Marked lineage to when it was marked (System.nanoTime). */
  private final Map<Long, Long> marked = new ConcurrentHashMap<>();

  ErasureFence() {
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantReadWriteLock();
    }
  }

  /** From now on, nothing ranked for {@code lineage} is logged; waits for a logging under way to finish. */
  void mark(long lineage) {
    long now = System.nanoTime();
    marked.values().removeIf(at -> now - at > KEPT.toNanos());
    if (marked.size() >= MAX_MARKS) {
      // A burst of erasures past the bound: the older half goes (erasures run one at a time, so
      // only the newest can still be under way).
      long median = marked.values().stream().sorted().skip(marked.size() / 2).findFirst().orElse(now);
      marked.values().removeIf(at -> at < median);
    }
    Lock exclusive = stripe(lineage).writeLock();
    exclusive.lock();
    try {
      marked.put(lineage, now);
    } finally {
      exclusive.unlock();
    }
  }

  /** Runs {@code logging} unless {@code lineage} is marked. */
  void unlessMarked(long lineage, Runnable logging) {
    // Shared: lists of one stripe log in parallel (an append may wait for room in the log's
    // queue); only a mark waits for them.
    Lock shared = stripe(lineage).readLock();
    shared.lock();
    try {
      if (marked.containsKey(lineage)) {
        return;
      }
      logging.run();
    } finally {
      shared.unlock();
    }
  }

  /** Whether {@code lineage} is marked now. */
  boolean isMarked(long lineage) {
    return marked.containsKey(lineage);
  }

  private ReadWriteLock stripe(long lineage) {
    return stripes[(int) Math.floorMod(lineage, (long) stripes.length)];
  }
}
