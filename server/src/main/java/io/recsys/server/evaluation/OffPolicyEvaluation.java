package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Off-policy evaluation with percentile-bootstrap confidence intervals: the one implementation
 * behind the {@code ope} commands and the safety gate. Every estimate is clipped into the reward
 * range it is a value of, and carries the effective sample size of its weights.
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

  /** As {@link #evaluate(LoggedDecisions, RewardRange, Estimator...)} with fixed model terms and no clipping. */
  public List<Estimate> evaluate(List<EvaluationSample> logged, Estimator... estimators) {
    return evaluate(LoggedDecisions.fixed(logged), RewardRange.UNBOUNDED, estimators);
  }

  /**
   * Every estimator's value and interval; one resample (and one refit of the reward model) serves
   * all of them.
   */
  public List<Estimate> evaluate(LoggedDecisions logged, RewardRange range, Estimator... estimators) {
    int n = logged.size();
    if (n == 0) {
      throw new IllegalArgumentException("no logged decisions to evaluate");
    }
    EvaluationSample[] all = logged.resample(identity(n));
    double[] weights = new double[n];
    for (int i = 0; i < n; i++) {
      weights[i] = all[i].weight();
    }
    double ess = Estimate.effectiveSampleSize(weights);
    double[][] boot = new double[estimators.length][resamples];
    SplittableRandom random = new SplittableRandom(seed);
    int[] index = new int[n];
    for (int b = 0; b < resamples; b++) {
      draw(random, index);
      EvaluationSample[] resampled = logged.resample(index);
      for (int e = 0; e < estimators.length; e++) {
        boot[e][b] = estimators[e].estimate(resampled);
      }
    }
    List<Estimate> estimates = new ArrayList<>(estimators.length);
    for (int e = 0; e < estimators.length; e++) {
      estimates.add(
          estimate(estimators[e].label(), estimators[e].estimate(all), boot[e], n, estimators[e].weighted() ? ess : n, range));
    }
    return estimates;
  }

  /** Whole-list estimates of the expected sum of rewards of a list; {@code perItem} is one item's reward range. */
  public List<Estimate> evaluateSlates(List<SlateSample> lists, RewardRange perItem, SlateEstimator... estimators) {
    SlateSample[] all = checked(lists);
    RewardRange range = perItem.times(meanLength(all));
    List<Estimate> estimates = new ArrayList<>(estimators.length);
    for (SlateEstimator estimator : estimators) {
      double[] boot = bootstrap(all.length, index -> estimator.estimate(pick(all, index)));
      estimates.add(estimate(estimator.label(), estimator.estimate(all), boot, all.length, estimator.effectiveSampleSize(all), range));
    }
    return estimates;
  }

  /**
   * The target policy's whole-list value minus the logging policy's own (its on-policy mean), with
   * the interval of that difference: both from the same resamples, so what the two share (the
   * same users, the same rewards) cancels instead of widening the interval.
   */
  public Estimate compareSlates(List<SlateSample> lists, RewardRange perItem, SlateEstimator estimator) {
    SlateSample[] all = checked(lists);
    SlateSample[] logged = new SlateSample[all.length];
    for (int l = 0; l < all.length; l++) {
      logged[l] = all[l].onPolicy();
    }
    double length = meanLength(all);
    double[] boot = bootstrap(all.length, index -> estimator.estimate(pick(all, index)) - estimator.estimate(pick(logged, index)));
    double value = estimator.estimate(all) - estimator.estimate(logged);
    return estimate(estimator.label() + "_minus_logged", value, boot, all.length, estimator.effectiveSampleSize(all), perItem.differenceOf(length));
  }

  private static SlateSample[] checked(List<SlateSample> lists) {
    if (lists.isEmpty()) {
      throw new IllegalArgumentException("no logged lists to evaluate");
    }
    return lists.toArray(SlateSample[]::new);
  }

  private static double meanLength(SlateSample[] lists) {
    double sum = 0;
    for (SlateSample list : lists) {
      sum += list.length();
    }
    return sum / lists.length;
  }

  private static SlateSample[] pick(SlateSample[] all, int[] index) {
    SlateSample[] chosen = new SlateSample[index.length];
    for (int i = 0; i < index.length; i++) {
      chosen[i] = all[index[i]];
    }
    return chosen;
  }

  /** The statistic on {@code resamples} bootstrap resamples of {@code n} rows. */
  double[] bootstrap(int n, ToDoubleFunction<int[]> statistic) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[resamples];
    int[] index = new int[n];
    for (int b = 0; b < resamples; b++) {
      draw(random, index);
      values[b] = statistic.applyAsDouble(index);
    }
    return values;
  }

  private static void draw(SplittableRandom random, int[] index) {
    for (int i = 0; i < index.length; i++) {
      index[i] = random.nextInt(index.length);
    }
  }

  private static int[] identity(int n) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    return all;
  }

  /** The estimate with the percentile interval of {@code boot} (sorted here), clipped into {@code range}. */
  Estimate estimate(String label, double value, double[] boot, int samples, double ess, RewardRange range) {
    Arrays.sort(boot);
    double tail = (1 - confidence) / 2;
    double low = percentile(boot, tail);
    double high = percentile(boot, 1 - tail);
    boolean clipped = !range.contains(value) || !range.contains(low) || !range.contains(high);
    return new Estimate(label, range.clip(value), range.clip(low), range.clip(high), samples, ess, clipped);
  }

  private static double percentile(double[] sorted, double q) {
    double position = q * (sorted.length - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  }
}
