package io.recsys.server.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Impressions whose join window is open, by event id and in serving order. Bounded: past {@code
 * capacity} the oldest are handed back to be closed early.
 */
final class ImpressionIndex {
  private final ConcurrentHashMap<String, Impression> byEventId = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Impression> inOrder = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int capacity;

  ImpressionIndex(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("max-open-impressions must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  /** Adds the impression; returns the ones pushed out by the bound, to be closed now. */
  List<Impression> add(Impression impression) {
    byEventId.put(impression.eventId, impression);
    inOrder.add(impression);
    List<Impression> evicted = List.of();
    size.incrementAndGet();
    while (size.get() > capacity) {
      Impression oldest = pollOldest();
      if (oldest == null) {
        break;
      }
      if (evicted.isEmpty()) {
        evicted = new ArrayList<>(1);
      }
      evicted.add(oldest);
    }
    return evicted;
  }

  /** The open impressions, oldest first; weakly consistent beside concurrent adds. */
  Iterable<Impression> inServingOrder() {
    return inOrder;
  }

  Impression get(String eventId) {
    return byEventId.get(eventId);
  }

  /** Removes and returns the impressions served at or before {@code timeMicros}, oldest first. */
  List<Impression> removeServedBefore(long timeMicros) {
    List<Impression> due = new ArrayList<>();
    for (Impression head = inOrder.peek(); head != null && head.timeMicros < timeMicros; head = inOrder.peek()) {
      Impression polled = pollOldest();
      if (polled != null) {
        due.add(polled);
      }
    }
    return due;
  }

  /**
   * Removes every open impression of {@code userId} and closes it without settling anything (a
   * reaction to it is refused from now on, and no no-reaction reward is given); returns them.
   */
  List<Impression> removeUser(String userId) {
    List<Impression> removed = new ArrayList<>();
    for (Impression impression : inOrder) {
      // remove() is the claim: an eviction or expiry racing for the same list gets it or we do.
      if (impression.userId.equals(userId) && inOrder.remove(impression)) {
        byEventId.remove(impression.eventId, impression);
        size.decrementAndGet();
        impression.closeForgotten();
        removed.add(impression);
      }
    }
    return removed;
  }

  private Impression pollOldest() {
    Impression oldest = inOrder.poll();
    if (oldest != null) {
      byEventId.remove(oldest.eventId, oldest);
      size.decrementAndGet();
    }
    return oldest;
  }

  int capacity() {
    return capacity;
  }

  int size() {
    return Math.max(0, size.get());
  }
}
