package io.recsys.server.evaluation;

import java.util.Locale;

/**
 * Whole-list off-policy estimators of the expected sum of rewards over a list, from the
 * per-position propensities the server logs (each the probability of the item given the items
 * above it). They differ in what they assume about how a list's rewards arise, and pay for
 * weaker assumptions with variance.
 */
public enum SlateEstimator {
  /**
   * Standard slate IPS: the whole list's reward times the product of all its positions' weights.
   * Assumes nothing about the rewards; its variance grows with the product's spread.
   */
  IPS {
    @Override
    double estimate(SlateSample[] lists) {
      double sum = 0;
      for (SlateSample list : lists) {
        sum += list.prefixWeight(list.length() - 1) * list.totalReward();
      }
      return sum / lists.length;
    }
  },
  /**
   * Reward-interaction IPS (McInerney et al. 2020): the reward at position k times the product of
   * the weights of positions 0 to k. Unbiased when the reward at a position depends on the items
   * at and above it only (the user reads down the list, as in a cascade), which cuts the weights
   * of the top positions down to a few factors.
   */
  RIPS {
    @Override
    double estimate(SlateSample[] lists) {
      double sum = 0;
      for (SlateSample list : lists) {
        double prefix = 1;
        for (int p = 0; p < list.length(); p++) {
          prefix *= list.weights()[p];
          sum += prefix * list.rewards()[p];
        }
      }
      return sum / lists.length;
    }
  },
  /**
   * RIPS self-normalised per position (the variant McInerney et al. recommend): at each position,
   * the weighted mean reward of the lists that reach it, weighted by their prefix products; a
   * little bias, far less variance. The gate's estimator.
   */
  SNRIPS {
    @Override
    double estimate(SlateSample[] lists) {
      int deepest = 0;
      for (SlateSample list : lists) {
        deepest = Math.max(deepest, list.length());
      }
      double[] weighted = new double[deepest];
      double[] weights = new double[deepest];
      int[] reaching = new int[deepest];
      for (SlateSample list : lists) {
        double prefix = 1;
        for (int p = 0; p < list.length(); p++) {
          prefix *= list.weights()[p];
          weighted[p] += prefix * list.rewards()[p];
          weights[p] += prefix;
          reaching[p]++;
        }
      }
      double sum = 0;
      for (int p = 0; p < deepest; p++) {
        // The share of lists that reach position p keeps lists of several lengths comparable.
        sum += weights[p] == 0 ? 0 : (weighted[p] / weights[p]) * reaching[p] / lists.length;
      }
      return sum;
    }
  };

  abstract double estimate(SlateSample[] lists);

  public String label() {
    return "slate_" + name().toLowerCase(Locale.ROOT);
  }

  /** The effective sample size of the weights this estimator multiplies the deepest rewards by. */
  double effectiveSampleSize(SlateSample[] lists) {
    int deepest = 0;
    for (SlateSample list : lists) {
      deepest = Math.max(deepest, list.length());
    }
    double[] prefix = new double[lists.length];
    for (int l = 0; l < lists.length; l++) {
      prefix[l] = lists[l].prefixWeight(Math.min(deepest, lists[l].length()) - 1);
    }
    return Estimate.effectiveSampleSize(prefix);
  }
}
