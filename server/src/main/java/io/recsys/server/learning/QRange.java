package io.recsys.server.learning;

import io.recsys.server.feedback.RewardFunction;

/**
 * The values a Q-network can legitimately take: with every reward in [r_min, r_max] and discount
 * gamma, any discounted sum of rewards lies in [r_min / (1 - gamma), r_max / (1 - gamma)] ([0, 10]
 * for the default rewards and gamma 0.9). Bootstrap targets are clamped into it, so an overshoot
 * of the network cannot feed its own targets; a value far outside it means the network diverged.
 */
public record QRange(double low, double high) {
  public QRange {
    if (!(low <= high) || Double.isInfinite(low) || Double.isInfinite(high)) {
      throw new IllegalArgumentException("Q range must be finite with low <= high, got [" + low + ", " + high + "]");
    }
  }

  public static QRange reachable(RewardFunction rewards, double gamma) {
    return new QRange(rewards.lowest() / (1 - gamma), rewards.highest() / (1 - gamma));
  }

  public double clamp(double value) {
    return Math.max(low, Math.min(high, value));
  }

  /**
   * Outside the range by more than half its width (at least 1): more than a fit's noise can
   * explain. NaN is implausible too.
   */
  public boolean implausible(double value) {
    double slack = Math.max(1, (high - low) / 2);
    return !(value >= low - slack && value <= high + slack);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "[%.3g, %.3g]", low, high);
  }
}
