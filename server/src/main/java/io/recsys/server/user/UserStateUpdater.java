package io.recsys.server.user;

/**
 * How one reaction moves a user's state. Attraction pulls the vector toward the item's content
 * vector (an exponential moving average of what the user engages with); repulsion removes part
 * of the vector's component along the item; a block also remembers the item so it is never
 * recommended to this user again (when blocking is on).
 *
 * @param attractRate share of the item vector mixed in by a full-strength positive reaction (0:
 *     the content state never moves, only the posterior learns)
 * @param repelRate share of the state's component along the item removed by a negative one
 * @param excludeDisliked whether blocked items are kept out of the user's lists
 * @param maxDisliked bound of the remembered blocked items per user (oldest dropped first)
 */
public record UserStateUpdater(float attractRate, float repelRate, boolean excludeDisliked, int maxDisliked) {
  public UserStateUpdater {
    if (!(attractRate >= 0 && attractRate <= 1)) {
      throw new IllegalArgumentException("content-rate must be in [0, 1], got " + attractRate);
    }
    if (!(repelRate >= 0 && repelRate <= 1)) {
      throw new IllegalArgumentException("repelRate must be in [0, 1], got " + repelRate);
    }
    if (maxDisliked < 0) {
      throw new IllegalArgumentException("maxDisliked must be >= 0, got " + maxDisliked);
    }
  }

  public static UserStateUpdater defaults() {
    return new UserStateUpdater(0.3f, 0.5f, true, 1_000);
  }

  /** @param strength in (0, 1]: 1 for a click, less for a short dwell */
  public UserState attract(UserState state, float[] item, float strength) {
    float rate = attractRate * clamp(strength);
    if (rate == 0) {
      return state;
    }
    float[] current = state.vectorView();
    float[] next = new float[current.length];
    for (int d = 0; d < next.length; d++) {
      next[d] = (1 - rate) * current[d] + rate * item[d];
    }
    return state.withVector(next);
  }

  public UserState repel(UserState state, float[] item, float strength) {
    float[] current = state.vectorView();
    double along = 0;
    double itemNorm = 0;
    for (int d = 0; d < current.length; d++) {
      along += (double) current[d] * item[d];
      itemNorm += (double) item[d] * item[d];
    }
    if (along <= 0 || itemNorm == 0) {
      return state;
    }
    float step = (float) (repelRate * clamp(strength) * along / itemNorm);
    float[] next = new float[current.length];
    for (int d = 0; d < next.length; d++) {
      next[d] = current[d] - step * item[d];
    }
    return state.withVector(next);
  }

  /** Bound of the remembered latest reactions per user: the same as of the disliked items. */
  public int maxRemembered() {
    return maxDisliked;
  }

  /** Repels and, when blocking is on, remembers the item as disliked. */
  public UserState block(UserState state, String itemId, float[] item) {
    return remember(repel(state, item, 1f), itemId);
  }

  /** Remembers the item as disliked (when blocking is on) without moving the vector. */
  public UserState remember(UserState state, String itemId) {
    return excludeDisliked && maxDisliked > 0 ? state.withDisliked(itemId, maxDisliked) : state;
  }

  private static float clamp(float strength) {
    return Math.max(0f, Math.min(1f, strength));
  }
}
