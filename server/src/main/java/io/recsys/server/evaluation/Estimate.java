package io.recsys.server.evaluation;

/**
 * A point estimate with its bootstrap confidence interval, clipped into the reward range (and
 * saying so), with the effective sample size of its importance weights.
 *
 * @param value the estimate on all decisions, within the reward range
 * @param clipped whether the unclipped estimate or an end of its interval left the reward range
 * @param effectiveSampleSize {@code (sum w)^2 / sum w^2} of the weights: how many equally
 *     weighted decisions the estimate is worth; far below {@code samples}, a few rows decide it
 */
public record Estimate(
    String estimator, double value, double ciLow, double ciHigh, int samples, double effectiveSampleSize, boolean clipped) {
  /** Below this effective sample size an estimate rests on too few decisions to trust. */
  public static final double MIN_EFFECTIVE_SAMPLE_SIZE = 100;

  public boolean covers(double truth) {
    return ciLow <= truth && truth <= ciHigh;
  }

  /**
   * Why not to trust this estimate, or null: its weights leave fewer than {@link
   * #MIN_EFFECTIVE_SAMPLE_SIZE} effective decisions and fewer than half of the decisions (a small
   * log with even weights is left to its interval).
   */
  public String warning() {
    if (effectiveSampleSize < Math.min(MIN_EFFECTIVE_SAMPLE_SIZE, samples / 2.0)) {
      return String.format(
          java.util.Locale.ROOT,
          "effective sample size %.1f of %d decisions: a few heavily weighted rows decide this estimate",
          effectiveSampleSize, samples);
    }
    return null;
  }

  /** {@code (sum w)^2 / sum w^2}; 0 when every weight is 0. */
  public static double effectiveSampleSize(double[] weights) {
    double sum = 0;
    double squares = 0;
    for (double w : weights) {
      sum += w;
      squares += w * w;
    }
    return squares == 0 ? 0 : sum * sum / squares;
  }
}
