package io.recsys.server.evaluation;

/**
 * One logged list, as the whole-list estimators see it: at each position, the importance weight of
 * the item shown there (the target policy's probability of it given the items above it, over the
 * logging policy's, which is what the server logs as the propensity) and the reward it earned.
 */
public record SlateSample(double[] weights, double[] rewards) {
  public SlateSample {
    if (weights.length != rewards.length || weights.length == 0) {
      throw new IllegalArgumentException("a list needs one weight and one reward per position, got " + weights.length + " and " + rewards.length);
    }
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("importance weight must be a finite number >= 0, got " + w);
      }
    }
  }

  public int length() {
    return weights.length;
  }

  /** The product of the weights of positions 0 to {@code position}. */
  double prefixWeight(int position) {
    double product = 1;
    for (int p = 0; p <= position; p++) {
      product *= weights[p];
    }
    return product;
  }

  double totalReward() {
    double sum = 0;
    for (double r : rewards) {
      sum += r;
    }
    return sum;
  }

  /** The same list seen by the policy that logged it: every weight 1. */
  SlateSample onPolicy() {
    double[] ones = new double[weights.length];
    java.util.Arrays.fill(ones, 1);
    return new SlateSample(ones, rewards);
  }
}
