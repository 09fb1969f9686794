package io.recsys.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Whole-list estimators on synthetic lists of 3 out of 6 items, whose users read down the list
 * (a cascade: the item at position k is clicked with its appeal if nothing above it was), logged
 * by a uniformly random policy, for a target that draws lists by softmax (Plackett-Luce) over
 * fixed scores. The truth is exact, by enumerating all 120 lists.
 */
class SlateEstimatorTest {
  private static final int ITEMS = 6;
  private static final int K = 3;
  private static final double[] APPEAL = {0.5, 0.1, 0.3, 0.05, 0.4, 0.2};
  private static final double[] SCORES = {2, 0, 1, -1, 1.5, 0.5};

  /** The target's probability of {@code item} given that {@code taken} are above it. */
  private static double target(int item, boolean[] taken) {
    double total = 0;
    for (int i = 0; i < ITEMS; i++) {
      total += taken[i] ? 0 : Math.exp(SCORES[i]);
    }
    return Math.exp(SCORES[item]) / total;
  }

  /** The expected clicks of a list under the cascade. */
  private static double expectedClicks(int[] list) {
    double notYet = 1;
    double clicks = 0;
    for (int item : list) {
      clicks += notYet * APPEAL[item];
      notYet *= 1 - APPEAL[item];
    }
    return clicks;
  }

  private static double truth() {
    double value = 0;
    for (int a = 0; a < ITEMS; a++) {
      for (int b = 0; b < ITEMS; b++) {
        for (int c = 0; c < ITEMS; c++) {
          if (a != b && b != c && a != c) {
            boolean[] taken = new boolean[ITEMS];
            double p = target(a, taken);
            taken[a] = true;
            p *= target(b, taken);
            taken[b] = true;
            p *= target(c, taken);
            value += p * expectedClicks(new int[] {a, b, c});
          }
        }
      }
    }
    return value;
  }

  private static List<SlateSample> log(long seed, int lists) {
    SplittableRandom random = new SplittableRandom(seed);
    List<SlateSample> log = new ArrayList<>(lists);
    for (int l = 0; l < lists; l++) {
      boolean[] taken = new boolean[ITEMS];
      double[] weights = new double[K];
      double[] rewards = new double[K];
      boolean clicked = false;
      for (int p = 0; p < K; p++) {
        int item;
        do {
          item = random.nextInt(ITEMS);
        } while (taken[item]);
        weights[p] = target(item, taken) / (1.0 / (ITEMS - p));
        taken[item] = true;
        if (!clicked && random.nextDouble() < APPEAL[item]) {
          rewards[p] = 1;
          clicked = true;
        }
      }
      log.add(new SlateSample(weights, rewards));
    }
    return log;
  }

  @Test
  void ripsAndSlateIpsAreUnbiasedWhenRewardsDependOnTheItemsAboveOnly() {
    double truth = truth();
    int seeds = 300;
    for (SlateEstimator estimator : new SlateEstimator[] {SlateEstimator.IPS, SlateEstimator.RIPS}) {
      double sum = 0;
      double squares = 0;
      for (int seed = 0; seed < seeds; seed++) {
        double value = estimator.estimate(log(seed, 500).toArray(SlateSample[]::new));
        sum += value;
        squares += value * value;
      }
      double mean = sum / seeds;
      double spread = Math.sqrt(squares / seeds - mean * mean);
      assertThat(mean).as("%s mean over seeds vs %.4f", estimator, truth).isCloseTo(truth, within(4 * spread / Math.sqrt(seeds)));
    }
  }

  @Test
  void ripsHasLessVarianceThanSlateIpsAndSnripsLessStillWithIntervalsThatCover() {
    double truth = truth();
    double[] squaredError = new double[SlateEstimator.values().length];
    int covered = 0;
    int seeds = 100;
    for (int seed = 0; seed < seeds; seed++) {
      List<SlateSample> log = log(seed, 500);
      List<Estimate> estimates = new OffPolicyEvaluation(200, 0.95, seed).evaluateSlates(log, RewardRange.RATE, SlateEstimator.values());
      for (int e = 0; e < estimates.size(); e++) {
        squaredError[e] += Math.pow(estimates.get(e).value() - truth, 2);
      }
      covered += estimates.get(SlateEstimator.SNRIPS.ordinal()).covers(truth) ? 1 : 0;
    }
    assertThat(squaredError[SlateEstimator.RIPS.ordinal()]).isLessThan(squaredError[SlateEstimator.IPS.ordinal()]);
    assertThat(squaredError[SlateEstimator.SNRIPS.ordinal()]).isLessThan(squaredError[SlateEstimator.RIPS.ordinal()]);
    assertThat(covered / (double) seeds).as("SNRIPS coverage").isBetween(0.85, 1.0);
  }

  @Test
  void theLoggingPolicyComparedWithItselfDiffersByNothing() {
    List<SlateSample> onPolicy = new ArrayList<>();
    for (SlateSample list : log(1, 300)) {
      onPolicy.add(list.onPolicy());
    }

    Estimate difference = new OffPolicyEvaluation(200, 0.95, 1).compareSlates(onPolicy, RewardRange.RATE, SlateEstimator.SNRIPS);

    assertThat(difference.value()).isCloseTo(0, within(1e-12));
    assertThat(difference.ciLow()).isCloseTo(0, within(1e-12));
    assertThat(difference.effectiveSampleSize()).isCloseTo(300, within(1e-9));
  }
}
