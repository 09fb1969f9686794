package io.recsys.server.evaluation;

import java.util.Locale;

/**
 * An off-policy estimator of a target policy's value from logged decisions (see {@link
 * LoggedDecisions}). The robust ones exist for real logs, whose propensities go down to 1e-6: a
 * single row then weighs more than 10,000 others, and plain IPS and DR swing with it (a DR click
 * rate estimate can come out negative).
 */
public enum Estimator {
  /** Inverse propensity scoring: mean of weight x reward. Unbiased when propensities are right. */
  IPS {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double sum = 0;
      for (EvaluationSample s : samples) {
        sum += s.weight() * s.reward();
      }
      return sum / samples.length;
    }
  },
  /** Self-normalised IPS: weighted mean; a little bias, much less variance. */
  SNIPS {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double weighted = 0;
      double weights = 0;
      for (EvaluationSample s : samples) {
        weighted += s.weight() * s.reward();
        weights += s.weight();
      }
      return weights == 0 ? 0 : weighted / weights;
    }
  },
  /** Direct method: the reward model's value of the target policy; biased if the model is. */
  DM {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double sum = 0;
      for (EvaluationSample s : samples) {
        sum += s.modelValue();
      }
      return sum / samples.length;
    }
  },
  /**
   * Doubly robust: the direct method plus an IPS correction of the model's error on the logged
   * action; unbiased if either the propensities or the reward model are right.
   */
  DR {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double sum = 0;
      for (EvaluationSample s : samples) {
        sum += s.modelValue() + s.weight() * (s.reward() - s.modelRewardOfLogged());
      }
      return sum / samples.length;
    }
  },
  /**
   * Self-normalised DR: the correction's weights are normalised to mean 1, as SNIPS's (Kallus and
   * Uehara 2019 call it the normalised DR); bounded by the model and reward range even when one
   * weight dwarfs the others.
   */
  SNDR {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double model = 0;
      double correction = 0;
      double weights = 0;
      for (EvaluationSample s : samples) {
        model += s.modelValue();
        correction += s.weight() * (s.reward() - s.modelRewardOfLogged());
        weights += s.weight();
      }
      return model / samples.length + (weights == 0 ? 0 : correction / weights);
    }
  },
  /**
   * Switch-DR (Wang et al. 2017): DR where a decision's weight is at most {@value
   * #SWITCH_THRESHOLD}, the direct method alone where it is larger: a row worth more than ten
   * average ones is left to the model rather than let one click move the estimate. The threshold
   * is fixed, not tuned per log (Open Bandit Pipeline tunes it with SLOPE; not built here).
   */
  SWITCH_DR {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double sum = 0;
      for (EvaluationSample s : samples) {
        sum += s.modelValue() + (s.weight() <= SWITCH_THRESHOLD ? s.weight() * (s.reward() - s.modelRewardOfLogged()) : 0);
      }
      return sum / samples.length;
    }
  },
  /**
   * DR with optimistic shrinkage (Su et al. 2020): each weight w becomes {@code lambda w / (w^2 +
   * lambda)} with lambda = {@value #SHRINKAGE_LAMBDA}: 9.1 for a weight of 10, never above 15.8
   * (at w = 31.6), and back toward 0 beyond, where the model takes over. Fixed, like the switch.
   */
  DR_OS {
    @Override
    public double estimate(EvaluationSample[] samples) {
      double sum = 0;
      for (EvaluationSample s : samples) {
        double w = s.weight();
        double shrunk = SHRINKAGE_LAMBDA * w / (w * w + SHRINKAGE_LAMBDA);
        sum += s.modelValue() + shrunk * (s.reward() - s.modelRewardOfLogged());
      }
      return sum / samples.length;
    }
  };

  /** Switch-DR's weight above which a decision is left to the reward model. */
  public static final double SWITCH_THRESHOLD = 10;

  /** DR-OS's shrinkage: weights well below its square root are kept nearly as they are. */
  public static final double SHRINKAGE_LAMBDA = 1_000;

  /** Every estimator, in report order. */
  public static final Estimator[] ALL = values();

  /** The estimate over these samples (repeats count as often as they appear). */
  public abstract double estimate(EvaluationSample[] samples);

  /** Lower-case name, as used in reports. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the estimator divides by propensities at all (the direct method does not). */
  public boolean weighted() {
    return this != DM;
  }
}
