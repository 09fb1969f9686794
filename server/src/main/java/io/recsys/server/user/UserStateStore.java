package io.recsys.server.user;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.Optional;

/**
 * User state vectors in a bounded Caffeine cache. A user with no state (never seen, or evicted)
 * gets the cold-start prior: the zero vector, which leaves only the popularity prior in the score.
 */
public final class UserStateStore {
  private final Cache<String, float[]> states;
  private final int dimension;

  public UserStateStore(long maximumUsers, int dimension) {
    if (maximumUsers < 1) {
      throw new IllegalArgumentException("maximumUsers must be >= 1, got " + maximumUsers);
    }
    this.dimension = dimension;
    this.states = Caffeine.newBuilder().maximumSize(maximumUsers).recordStats().build();
  }

  public int dimension() {
    return dimension;
  }

  /** The user's state, if the cache holds one. The array is shared: copy before changing it. */
  public Optional<float[]> find(String userId) {
    return Optional.ofNullable(states.getIfPresent(userId));
  }

  /** Copies the user's state (or the prior) into {@code target} at {@code offset}. */
  public void copyStateInto(String userId, float[] target, int offset) {
    float[] state = states.getIfPresent(userId);
    if (state == null) {
      java.util.Arrays.fill(target, offset, offset + dimension, 0f);
    } else {
      System.arraycopy(state, 0, target, offset, dimension);
    }
  }

  /** Replaces the user's state. */
  public void put(String userId, float[] state) {
    if (state.length != dimension) {
      throw new IllegalArgumentException(
          "user state must have " + dimension + " values, got " + state.length);
    }
    states.put(userId, state.clone());
  }

  public long size() {
    return states.estimatedSize();
  }

  public CacheStats stats() {
    return states.stats();
  }
}
