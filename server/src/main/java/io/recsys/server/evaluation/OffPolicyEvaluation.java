package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Off-policy evaluation with percentile-bootstrap confidence intervals: the one implementation
 * behind the {@code ope} commands and the safety gate.
 *
 * @param resamples bootstrap resamples (1,000 gives stable 95 % percentiles)
 * @param confidence e.g. 0.95
 * @param seed makes the intervals reproducible
 */
public record OffPolicyEvaluation(int resamples, double confidence, long seed) {
  public OffPolicyEvaluation {
    if (resamples < 10) {
      throw new IllegalArgumentException("bootstrap resamples must be >= 10, got " + resamples);
    }
    if (!(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }
  }

  public static OffPolicyEvaluation defaults() {
    return new OffPolicyEvaluation(1_000, 0.95, 1);
  }

  /** Every estimator's value and interval; the same resamples serve all of them. */
  public List<Estimate> evaluate(List<EvaluationSample> logged, Estimator... estimators) {
    if (logged.isEmpty()) {
      throw new IllegalArgumentException("no logged decisions to evaluate");
    }
    EvaluationSample[] samples = logged.toArray(EvaluationSample[]::new);
    int n = samples.length;
    double[][] boot = new double[estimators.length][resamples];
    SplittableRandom random = new SplittableRandom(seed);
    int[] index = new int[n];
    for (int b = 0; b < resamples; b++) {
      for (int i = 0; i < n; i++) {
        index[i] = random.nextInt(n);
      }
      for (int e = 0; e < estimators.length; e++) {
        boot[e][b] = estimators[e].estimate(samples, index);
      }
    }
    List<Estimate> estimates = new ArrayList<>(estimators.length);
    double tail = (1 - confidence) / 2;
    for (int e = 0; e < estimators.length; e++) {
      Arrays.sort(boot[e]);
      estimates.add(
          new Estimate(
              estimators[e],
              estimators[e].estimate(samples),
              percentile(boot[e], tail),
              percentile(boot[e], 1 - tail),
              n));
    }
    return estimates;
  }

  private static double percentile(double[] sorted, double q) {
    double position = q * (sorted.length - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  }
}
