package io.recsys.server.feedback;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
  private final Object[] stripes = new Object[64];
  /** Marked lineage to when it was marked (System.nanoTime). */
  private final Map<Long, Long> marked = new ConcurrentHashMap<>();

  ErasureFence() {
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new Object();
    }
  }

  /** From now on, nothing ranked for {@code lineage} is logged; waits for a logging under way to finish. */
  void mark(long lineage) {
    long now = System.nanoTime();
    marked.values().removeIf(at -> now - at > KEPT.toNanos());
    if (marked.size() >= MAX_MARKS) {
      marked.clear(); // a burst of erasures past the bound: the oldest marks are minutes old
    }
    synchronized (stripe(lineage)) {
      marked.put(lineage, now);
    }
  }

  /** Runs {@code logging} unless {@code lineage} is marked; returns whether it ran. */
  boolean unlessMarked(long lineage, Runnable logging) {
    synchronized (stripe(lineage)) {
      if (marked.containsKey(lineage)) {
        return false;
      }
      logging.run();
      return true;
    }
  }

  /** Whether {@code lineage} is marked now. */
  boolean isMarked(long lineage) {
    return marked.containsKey(lineage);
  }

  private Object stripe(long lineage) {
    return stripes[(int) Math.floorMod(lineage, (long) stripes.length)];
  }
}
