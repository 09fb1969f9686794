package io.recsys.server.user;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One user's state: a vector in the item embedding space (what the user is drawn to now) and the
 * items they disliked. Immutable; an update makes a new one.
 */
public final class UserState {
  private final float[] vector;
  private final Set<String> disliked;

  UserState(float[] vector, Set<String> disliked) {
    this.vector = vector;
    this.disliked = Collections.unmodifiableSet(disliked);
  }

  /** The cold-start state: the zero vector, nothing disliked. */
  public static UserState prior(int dimension) {
    return new UserState(new float[dimension], Set.of());
  }

  public static UserState of(float[] vector) {
    return new UserState(vector.clone(), Set.of());
  }

  /** The vector itself, shared, not copied: read it, never modify it. */
  public float[] vectorView() {
    return vector;
  }

  public float[] vector() {
    return vector.clone();
  }

  public Set<String> disliked() {
    return disliked;
  }

  /** The same disliked items with another vector (taken as is, not copied). */
  public UserState withVector(float[] next) {
    return new UserState(next, disliked);
  }

  UserState withDisliked(String itemId, int maxDisliked) {
    if (disliked.contains(itemId)) {
      return this;
    }
    LinkedHashSet<String> next = new LinkedHashSet<>(disliked);
    next.add(itemId);
    while (next.size() > maxDisliked) {
      next.remove(next.iterator().next()); // oldest first
    }
    return new UserState(vector, next);
  }
}
