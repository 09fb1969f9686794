package io.recsys.server.policy;

import java.util.random.RandomGenerator;

/**
 * Softmax per position (Plackett-Luce): a remaining candidate is drawn with probability
 * proportional to {@code exp(score / temperature)}. Lower temperature, greedier lists.
 */
public record SoftmaxExploration(double temperature) implements Exploration {
  public SoftmaxExploration {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("softmax temperature must be a finite number > 0, got " + temperature);
    }
  }

  @Override
  public String spec() {
    return "softmax:" + temperature;
  }

  @Override
  public double[] probabilities(float[] scores, int[] picks) {
    double[] weights = weights(scores);
    double[] probabilities = new double[picks.length];
    for (int position = 0; position < picks.length; position++) {
      double total = 0; // summed afresh, as choose does, so both give the same numbers
      for (double weight : weights) {
        total += weight;
      }
      probabilities[position] = Math.max(weights[picks[position]] / total, Float.MIN_NORMAL);
      weights[picks[position]] = 0;
    }
    return probabilities;
  }

  /** {@code exp(score / temperature)}, shifted by the highest score so that nothing overflows. */
  private double[] weights(float[] scores) {
    double max = Double.NEGATIVE_INFINITY;
    for (float score : scores) {
      max = Math.max(max, score);
    }
    double[] weights = new double[scores.length];
    for (int c = 0; c < scores.length; c++) {
      weights[c] = Math.exp((scores[c] - max) / temperature);
    }
    return weights;
  }

  @Override
  public int drawOne(double[] scores, boolean[] taken, RandomGenerator random) {
    double[] weights = remainingWeights(scores, taken);
    double total = 0;
    for (double weight : weights) {
      total += weight;
    }
    double u = random.nextDouble() * total;
    int pick = -1;
    for (int c = 0; c < weights.length; c++) {
      if (weights[c] > 0) {
        pick = c;
        u -= weights[c];
        if (u < 0) {
          break;
        }
      }
    }
    return pick;
  }

  @Override
  public double probabilityOf(double[] scores, boolean[] taken, int pick) {
    double[] weights = remainingWeights(scores, taken);
    double total = 0;
    for (double weight : weights) {
      total += weight;
    }
    return Math.max(weights[pick] / total, Float.MIN_NORMAL);
  }

  /** {@code exp(score / temperature)} of the candidates not taken (0 for the taken), shifted by their highest score. */
  private double[] remainingWeights(double[] scores, boolean[] taken) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < scores.length; c++) {
      if (!taken[c]) {
        max = Math.max(max, scores[c]);
      }
    }
    double[] weights = new double[scores.length];
    for (int c = 0; c < scores.length; c++) {
      weights[c] = taken[c] ? 0 : Math.exp((scores[c] - max) / temperature);
    }
    return weights;
  }

  @Override
  public Slate choose(float[] scores, int k, RandomGenerator random) {
    int n = scores.length;
    int length = Math.min(k, n);
    double[] weights = weights(scores);
    int[] picks = new int[length];
    float[] propensities = new float[length];
    for (int position = 0; position < length; position++) {
      double total = 0;
      for (double weight : weights) {
        total += weight;
      }
      double u = random.nextDouble() * total;
      int pick = -1;
      for (int c = 0; c < n; c++) {
        if (weights[c] > 0) {
          pick = c;
          u -= weights[c];
          if (u < 0) {
            break;
          }
        }
      }
      picks[position] = pick;
      // Never exactly 0: a shown item had some chance, and evaluation divides by it.
      propensities[position] = (float) Math.max(weights[pick] / total, Float.MIN_NORMAL);
      weights[pick] = 0;
    }
    return new Slate(picks, propensities);
  }
}
