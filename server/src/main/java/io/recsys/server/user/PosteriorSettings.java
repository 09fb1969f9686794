package io.recsys.server.user;

/**
 * How users' posteriors learn and how far serving trusts them.
 *
 * @param ridge prior strength: how many full observations the population prior is worth
 * @param discount weight every earlier observation keeps when a new one arrives (1: never forget;
 *     0.99: an observation's weight halves after about 70 more, seven lists of ten)
 * @param ucbAlpha width of the confidence bonus added to every candidate's mean score (0: greedy
 *     on the mean)
 * @param changeThreshold evidence (nats) that a user's clicks dropped far below what their model
 *     predicts before their state resets to the prior ({@link TasteChange}; 0: never)
 */
public record PosteriorSettings(double ridge, double discount, double ucbAlpha, double changeThreshold) {
  public PosteriorSettings {
    if (!(ridge > 0 && Double.isFinite(ridge))) {
      throw new IllegalArgumentException("the posterior's ridge must be positive, got " + ridge);
    }
    if (!(discount > 0 && discount <= 1)) {
      throw new IllegalArgumentException("user-discount must be in (0, 1], got " + discount);
    }
    if (!(ucbAlpha >= 0 && Double.isFinite(ucbAlpha))) {
      throw new IllegalArgumentException("ucb-alpha must be >= 0, got " + ucbAlpha);
    }
    if (!(changeThreshold >= 0 && Double.isFinite(changeThreshold))) {
      throw new IllegalArgumentException("taste-change-threshold must be >= 0, got " + changeThreshold);
    }
  }

  public static PosteriorSettings defaults() {
    return new PosteriorSettings(1.0, 0.99, 0.5, 0);
  }
}
