package io.recsys.server.learning;

import io.recsys.server.user.PosteriorSettings;
import java.time.Duration;

/**
 * The fast, per-user and per-item learner (DESIGN.md, "two learners"): the shape of the learned
 * item space, the item step sizes, how often the learned items are republished to retrieval, and
 * the users' posterior settings.
 *
 * @param enabled off: retrieval over content embeddings and the popularity prior alone, as before
 *     the fast learner (for ablations); users' content states still learn when learning is on
 * @param contentDimensions the content embedding's projection into the learned space
 * @param factors learned vector per item, initialised small at random (it learns from feedback only)
 * @param factorRate SGD step of an item's vector along the reacting user's
 * @param biasRate SGD step of an item's bias toward its observed rate
 * @param factorDecay L2 shrinkage of item vectors per step
 * @param publishInterval how often the learned item side is rebuilt into a new retrieval session
 * @param users the per-user posterior
 */
public record OnlineLearningSettings(
    boolean enabled,
    int contentDimensions,
    int factors,
    double factorRate,
    double biasRate,
    double factorDecay,
    Duration publishInterval,
    PosteriorSettings users) {
  public OnlineLearningSettings {
    if (contentDimensions < 0 || factors < 0 || contentDimensions + factors == 0) {
      throw new IllegalArgumentException(
          "the learned item space needs content dimensions or factors, got " + contentDimensions + " and " + factors);
    }
    if (!(factorRate >= 0 && biasRate >= 0 && factorDecay >= 0)) {
      throw new IllegalArgumentException("item step sizes must be >= 0");
    }
    if (publishInterval.isNegative() || publishInterval.isZero()) {
      throw new IllegalArgumentException("item-publish-interval must be positive, got " + publishInterval);
    }
  }

  public static OnlineLearningSettings defaults() {
    return new OnlineLearningSettings(true, 16, 8, 0.05, 0.02, 0.001, Duration.ofMillis(250), PosteriorSettings.defaults());
  }

  /** Features per item: projected content, learned vector, and a constant 1 (the user's intercept). */
  public int dimension() {
    return contentDimensions + factors + 1;
  }

  public OnlineLearningSettings withEnabled(boolean on) {
    return new OnlineLearningSettings(on, contentDimensions, factors, factorRate, biasRate, factorDecay, publishInterval, users);
  }

  public OnlineLearningSettings withUsers(PosteriorSettings next) {
    return new OnlineLearningSettings(enabled, contentDimensions, factors, factorRate, biasRate, factorDecay, publishInterval, next);
  }

  public OnlineLearningSettings withPublishInterval(Duration interval) {
    return new OnlineLearningSettings(enabled, contentDimensions, factors, factorRate, biasRate, factorDecay, interval, users);
  }
}
