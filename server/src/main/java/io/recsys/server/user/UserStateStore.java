package io.recsys.server.user;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * User states in a bounded Caffeine cache. A user with no state (never seen, or evicted) gets the
 * cold-start prior: the zero vector, which leaves only the popularity prior in the score.
 */
public final class UserStateStore {
  private final Cache<String, UserState> states;
  private final int dimension;
  private final UserState prior;

  public UserStateStore(long maximumUsers, int dimension) {
    if (maximumUsers < 1) {
      throw new IllegalArgumentException("maximumUsers must be >= 1, got " + maximumUsers);
    }
    this.dimension = dimension;
    this.prior = UserState.prior(dimension);
    this.states = Caffeine.newBuilder().maximumSize(maximumUsers).recordStats().build();
  }

  public int dimension() {
    return dimension;
  }

  public Optional<UserState> find(String userId) {
    return Optional.ofNullable(states.getIfPresent(userId));
  }

  /** The user's state, or the prior. */
  public UserState stateOf(String userId) {
    UserState state = states.getIfPresent(userId);
    return state == null ? prior : state;
  }

  /** Copies the user's state vector (or the prior) into {@code target} at {@code offset}. */
  public void copyStateInto(String userId, float[] target, int offset) {
    UserState state = states.getIfPresent(userId);
    if (state == null) {
      Arrays.fill(target, offset, offset + dimension, 0f);
    } else {
      System.arraycopy(state.vectorView(), 0, target, offset, dimension);
    }
  }

  /** Items the user disliked, to be kept out of their lists. */
  public Set<String> dislikedBy(String userId) {
    UserState state = states.getIfPresent(userId);
    return state == null ? Set.of() : state.disliked();
  }

  /** Applies {@code change} to the user's state (the prior if none) atomically; returns the result. */
  public UserState update(String userId, UnaryOperator<UserState> change) {
    // A user's first state starts its own lineage: the prior is shared by every new user.
    return states.asMap().compute(userId, (id, old) -> change.apply(old == null ? prior.withNewLineage() : old));
  }

  /** Replaces the user's state. */
  public void put(String userId, UserState state) {
    if (state.vectorView().length != dimension) {
      throw new IllegalArgumentException(
          "user state must have " + dimension + " values, got " + state.vectorView().length);
    }
    states.put(userId, state);
  }

  /** Drops the user's state (and with it their posterior); true if there was one. */
  public boolean remove(String userId) {
    return states.asMap().remove(userId) != null;
  }

  /** Hands every cached user's state to {@code action}; weakly consistent beside concurrent updates. */
  public void forEach(BiConsumer<String, UserState> action) {
    states.asMap().forEach(action);
  }

  public long size() {
    return states.estimatedSize();
  }

  public CacheStats stats() {
    return states.stats();
  }
}
