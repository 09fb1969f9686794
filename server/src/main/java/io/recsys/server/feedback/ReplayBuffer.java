package io.recsys.server.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** The most recent transitions, at most {@code capacity}; the oldest is dropped first. */
public final class ReplayBuffer {
  private final Transition[] ring;
  private long added;

  public ReplayBuffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay buffer capacity must be >= 1, got " + capacity);
    }
    this.ring = new Transition[capacity];
  }

  public synchronized void add(Transition transition) {
    ring[(int) (added % ring.length)] = transition;
    added++;
  }

  public synchronized int size() {
    return (int) Math.min(added, ring.length);
  }

  public int capacity() {
    return ring.length;
  }

  /** Transitions added since the buffer was made, dropped ones included. */
  public synchronized long totalAdded() {
    return added;
  }

  /** {@code count} transitions drawn uniformly with replacement; empty if the buffer is. */
  public synchronized List<Transition> sample(int count, RandomGenerator random) {
    int size = size();
    List<Transition> sample = new ArrayList<>(size == 0 ? 0 : count);
    for (int i = 0; i < count && size > 0; i++) {
      sample.add(ring[random.nextInt(size)]);
    }
    return sample;
  }

  /** The newest {@code count} transitions (fewer if the buffer holds fewer), oldest first. */
  public synchronized List<Transition> recent(int count) {
    int size = Math.min(size(), count);
    List<Transition> newest = new ArrayList<>(size);
    for (long i = added - size; i < added; i++) {
      newest.add(ring[(int) (i % ring.length)]);
    }
    return newest;
  }

  /** All transitions held, oldest first. */
  public synchronized List<Transition> snapshot() {
    int size = size();
    List<Transition> all = new ArrayList<>(size);
    long first = added - size;
    for (long i = first; i < added; i++) {
      all.add(ring[(int) (i % ring.length)]);
    }
    return all;
  }
}
