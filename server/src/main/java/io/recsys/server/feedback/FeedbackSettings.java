package io.recsys.server.feedback;

import io.recsys.server.user.UserStateUpdater;
import java.time.Duration;

/**
 * How the feedback loop joins, rewards and applies reactions.
 *
 * @param joinWindow how long after serving a list its reactions are joined to it
 * @param maxOpenImpressions bound of remembered lists; past it the oldest close early
 * @param learning whether reactions move user states; off, the server is a static scorer that
 *     still stores every reaction (and keeps disliked items out)
 */
public record FeedbackSettings(
    Duration joinWindow,
    int maxOpenImpressions,
    RewardFunction rewards,
    UserStateUpdater updater,
    boolean learning) {
  public FeedbackSettings {
    if (joinWindow.isNegative() || joinWindow.isZero()) {
      throw new IllegalArgumentException("the join window must be positive, got " + joinWindow);
    }
  }

  public static FeedbackSettings defaults() {
    return new FeedbackSettings(Duration.ofMinutes(5), 200_000, RewardFunction.defaults(), UserStateUpdater.defaults(), true);
  }
}
