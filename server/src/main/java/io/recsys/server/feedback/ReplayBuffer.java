package io.recsys.server.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/** The most recent transitions, at most {@code capacity}; the oldest is dropped first. */
public final class ReplayBuffer {
  private final Transition[] ring;
  /** Slot of the oldest transition held. */
  private int head;
  private int size;
  private long added;

  public ReplayBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay buffer capacity must be >= 1, got " + capacity);
    }
    this.ring = new Transition[capacity];
  }

  public synchronized void add(Transition transition) {
    if (size < ring.length) {
      ring[(head + size) % ring.length] = transition;
      size++;
    } else {
      ring[head] = transition;
      head = (head + 1) % ring.length;
    }
    added++;
  }

  public synchronized int size() {
    return size;
  }

  public int capacity() {
    return ring.length;
  }

  /** Transitions added since the buffer was made, dropped and removed ones included. */
  public synchronized long totalAdded() {
    return added;
  }

  /** {@code count} transitions drawn uniformly with replacement; empty if the buffer is. */
  public synchronized List<Transition> sample(int count, RandomGenerator random) {
    List<Transition> sample = new ArrayList<>(size == 0 ? 0 : count);
    for (int i = 0; i < count && size > 0; i++) {
      sample.add(at(random.nextInt(size)));
    }
    return sample;
  }

  /** The newest {@code count} transitions (fewer if the buffer holds fewer), oldest first. */
  public synchronized List<Transition> recent(int count) {
    int newest = Math.min(size, count);
    List<Transition> recent = new ArrayList<>(newest);
    for (int i = size - newest; i < size; i++) {
      recent.add(at(i));
    }
    return recent;
  }

  /** All transitions held, oldest first. */
  public synchronized List<Transition> snapshot() {
    return recent(size);
  }

  /** How many transitions held match. */
  public synchronized int count(Predicate<Transition> matching) {
    int count = 0;
    for (int i = 0; i < size; i++) {
      if (matching.test(at(i))) {
        count++;
      }
    }
    return count;
  }

  /**
   * Removes every transition that matches (a forgotten user's), keeping the order of the rest;
   * training never samples them again. Returns how many went.
   */
  public synchronized int removeIf(Predicate<Transition> matching) {
    List<Transition> kept = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Transition transition = at(i);
      if (!matching.test(transition)) {
        kept.add(transition);
      }
    }
    int removed = size - kept.size();
    java.util.Arrays.fill(ring, null);
    for (int i = 0; i < kept.size(); i++) {
      ring[i] = kept.get(i);
    }
    head = 0;
    size = kept.size();
    return removed;
  }

  /** The {@code i}-th oldest transition held. */
  private Transition at(int i) {
    return ring[(head + i) % ring.length];
  }
}
