package io.recsys.server.user;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One user's state: a vector in the item embedding space (what the user is drawn to now, the
 * content learner), their posterior over the learned item space (the collaborative learner; null
 * until their first observation) and the items they disliked. Immutable; an update makes a new
 * one. It also remembers the user's latest reaction to each of their most recent items (bounded,
 * oldest dropped first): what explanations cite ("because you liked ...") and what keeps consumed
 * items (a purchase, say) out of later lists.
 */
public final class UserState {
  private final float[] vector;
  private final Set<String> disliked;
  private final Posterior posterior;
  private final TasteChange change;
  /** Item id to the user's latest reaction to it, oldest first. */
  private final Map<String, ReactionType> reactions;

  /**
   * Shared by a state and every state derived from it (by a reaction, a new posterior); a new
   * state (the prior, a restored one) starts a new lineage. What a list was ranked for is named by
   * it, so a forgotten user's lists ranked before the erasure can be told apart without their id.
   */
  private final long lineage;
  private static final AtomicLong LINEAGES = new AtomicLong();

  UserState(float[] vector, Set<String> disliked, Posterior posterior, TasteChange change) {
    this(vector, disliked, posterior, change, Map.of());
  }

  UserState(float[] vector, Set<String> disliked, Posterior posterior, TasteChange change, Map<String, ReactionType> reactions) {
    this(LINEAGES.incrementAndGet(), vector, disliked, posterior, change, reactions);
  }

  private UserState(
      long lineage, float[] vector, Set<String> disliked, Posterior posterior, TasteChange change, Map<String, ReactionType> reactions) {
    this.lineage = lineage;
    this.vector = vector;
    this.disliked = Collections.unmodifiableSet(disliked);
    this.posterior = posterior;
    this.change = change;
    this.reactions = Collections.unmodifiableMap(reactions);
  }

  /** This state's lineage: the same for every state derived from one new state. */
  public long lineage() {
    return lineage;
  }

  /** The same state starting a lineage of its own (a user's first state, derived from the shared prior). */
  UserState withNewLineage() {
    return new UserState(vector, disliked, posterior, change, reactions);
  }

  /** The cold-start state: the zero vector, nothing disliked. */
  public static UserState prior(int dimension) {
    return new UserState(new float[dimension], Set.of(), null, TasteChange.NONE);
  }

  public static UserState of(float[] vector) {
    return new UserState(vector.clone(), Set.of(), null, TasteChange.NONE);
  }

  /** The user's latest reaction to each remembered item, oldest first. */
  public Map<String, ReactionType> reactions() {
    return reactions;
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
    return new UserState(lineage, next, disliked, posterior, change, reactions);
  }

  /** How the user's recent reactions compare with what their model expected. */
  public TasteChange tasteChange() {
    return change;
  }

  public UserState withPosterior(Posterior next, TasteChange nextChange) {
    return new UserState(lineage, vector, disliked, next, nextChange, reactions);
  }

  /**
   * What the user was taught is forgotten (content vector, posterior, taste-change window), the
   * disliked items and the remembered reactions are kept: their taste changed, their dislikes
   * and purchases stand.
   */
  public UserState forgetTaste() {
    return new UserState(lineage, new float[vector.length], disliked, null, TasteChange.NONE, reactions);
  }

  /** Remembers {@code type} as the user's latest reaction to {@code itemId}, within {@code max} items. */
  UserState withReaction(String itemId, ReactionType type, int max) {
    if (max == 0 || type == reactions.get(itemId) && isNewest(itemId)) {
      return this;
    }
    LinkedHashMap<String, ReactionType> next = new LinkedHashMap<>(reactions);
    next.remove(itemId); // re-inserted as the newest
    next.put(itemId, type);
    while (next.size() > max) {
      next.remove(next.keySet().iterator().next()); // oldest first
    }
    return new UserState(lineage, vector, disliked, posterior, change, next);
  }

  private boolean isNewest(String itemId) {
    String newest = null;
    for (String id : reactions.keySet()) {
      newest = id;
    }
    return itemId.equals(newest);
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
    return new UserState(lineage, vector, next, posterior, change, reactions);
  }
}
