package io.recsys.server.evaluation;

import java.util.List;

/**
 * Logged decisions as the per-decision estimators see them, resampled for the bootstrap. An
 * implementation with a reward model fits it again on every resample, so the intervals of DM and
 * DR include the model's own uncertainty, not only the rewards'.
 */
public interface LoggedDecisions {
  int size();

  /**
   * The decisions {@code index} names (repeats allowed), in that order, with the reward model's
   * terms fitted on exactly those decisions.
   */
  EvaluationSample[] resample(int[] index);

  /** Samples whose model terms are fixed (fitted once, outside the bootstrap). */
  static LoggedDecisions fixed(List<EvaluationSample> samples) {
    EvaluationSample[] all = samples.toArray(EvaluationSample[]::new);
    return new LoggedDecisions() {
      @Override
      public int size() {
        return all.length;
      }

      @Override
      public EvaluationSample[] resample(int[] index) {
        EvaluationSample[] chosen = new EvaluationSample[index.length];
        for (int i = 0; i < index.length; i++) {
          chosen[i] = all[index[i]];
        }
        return chosen;
      }
    };
  }
}
