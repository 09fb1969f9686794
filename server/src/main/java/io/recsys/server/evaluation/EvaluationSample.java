package io.recsys.server.evaluation;

/**
 * One logged decision, reduced to what the off-policy estimators need.
 *
 * @param weight importance weight: target probability of the logged action / logging propensity
 * @param reward observed reward of the logged action
 * @param modelValue the reward model's value of the target policy here: sum over actions of
 *     target probability x predicted reward (the direct method's term)
 * @param modelRewardOfLogged the reward model's prediction for the logged action
 */
public record EvaluationSample(double weight, double reward, double modelValue, double modelRewardOfLogged) {
  public EvaluationSample {
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("importance weight must be a finite number >= 0, got " + weight);
    }
  }
}
