package io.recsys.server.user;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One user's state: a vector in the item embedding space (what the user is drawn to now, the
 * content learner), their posterior over the learned item space (the collaborative learner; null
 * until their first observation) and the items they disliked. Immutable; an update makes a new
 * one.
 */
public final class UserState {
  private final float[] vector;
  private final Set<String> disliked;
  private final Posterior posterior;
  private final TasteChange change;

  UserState(float[] vector, Set<String> disliked, Posterior posterior, TasteChange change) {
    this.vector = vector;
    this.disliked = Collections.unmodifiableSet(disliked);
    this.posterior = posterior;
    this.change = change;
  }

  /** The cold-start state: the zero vector, nothing disliked. */
  public static UserState prior(int dimension) {
    return new UserState(new float[dimension], Set.of(), null, TasteChange.NONE);
  }

  public static UserState of(float[] vector) {
    return new UserState(vector.clone(), Set.of(), null, TasteChange.NONE);
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

  /** The posterior over the learned item space, or null before the first observation. */
  public Posterior posterior() {
    return posterior;
  }

  /** The same disliked items and posterior with another vector (taken as is, not copied). */
  public UserState withVector(float[] next) {
    return new UserState(next, disliked, posterior, change);
  }

  /** How the user's recent reactions compare with what their model expected. */
  public TasteChange tasteChange() {
    return change;
  }

  public UserState withPosterior(Posterior next, TasteChange nextChange) {
    return new UserState(vector, disliked, next, nextChange);
  }

  /**
   * What the user was taught is forgotten (content vector, posterior, taste-change window), the
   * disliked items are kept: their taste changed, their dislikes stand.
   */
  public UserState forgetTaste() {
    return new UserState(new float[vector.length], disliked, null, TasteChange.NONE);
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
    return new UserState(vector, next, posterior, change);
  }
}
