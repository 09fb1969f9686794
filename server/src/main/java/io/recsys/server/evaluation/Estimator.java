package io.recsys.server.evaluation;

/**
 * An off-policy estimator of a target policy's value from logged decisions. Each works on the
 * columns of a sample (weights, rewards, model terms) through {@code index}, so the bootstrap can
 * resample without copying samples.
 */
public enum Estimator {
  /** Inverse propensity scoring: mean of weight x reward. Unbiased when propensities are right. */
  IPS {
    @Override
    double estimate(EvaluationSample[] samples, int[] index) {
      double sum = 0;
      for (int i : index) {
        sum += samples[i].weight() * samples[i].reward();
      }
      return sum / index.length;
    }
  },
  /** Self-normalised IPS: weighted mean; a little bias, much less variance. */
  SNIPS {
    @Override
    double estimate(EvaluationSample[] samples, int[] index) {
      double weighted = 0;
      double weights = 0;
      for (int i : index) {
        weighted += samples[i].weight() * samples[i].reward();
        weights += samples[i].weight();
      }
      return weights == 0 ? 0 : weighted / weights;
    }
  },
  /** Direct method: the reward model's value of the target policy; biased if the model is. */
  DM {
    @Override
    double estimate(EvaluationSample[] samples, int[] index) {
      double sum = 0;
      for (int i : index) {
        sum += samples[i].modelValue();
      }
      return sum / index.length;
    }
  },
  /**
   * Doubly robust: the direct method plus an IPS correction of the model's error on the logged
   * action; unbiased if either the propensities or the reward model are right.
   */
  DR {
    @Override
    double estimate(EvaluationSample[] samples, int[] index) {
      double sum = 0;
      for (int i : index) {
        EvaluationSample s = samples[i];
        sum += s.modelValue() + s.weight() * (s.reward() - s.modelRewardOfLogged());
      }
      return sum / index.length;
    }
  };

  abstract double estimate(EvaluationSample[] samples, int[] index);

  /** The estimate over all samples. */
  public double estimate(EvaluationSample[] samples) {
    int[] all = new int[samples.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return estimate(samples, all);
  }

  /** Lower-case name, as used in reports. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
