package io.recsys.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The robust estimators on logs with heavy-tailed propensities, as a Thompson-sampling policy
 * leaves them: an action the logging policy almost stopped showing (propensity 1e-6) that the
 * target policy likes, and one it shows rarely (1e-3). Known truth; the reward model (mean click
 * rate of each context and action, shrunk toward the context's) is refitted per resample.
 */
class RobustEstimatorsTest {
  private static final int CONTEXTS = 5;
  private static final int ACTIONS = 10;
  private static final int LOG_SIZE = 5_000;
  private static final int SEEDS = 120;
  private static final double[][] CLICK = new double[CONTEXTS][ACTIONS];
  private static final double[] LOGGING = new double[ACTIONS];
  private static final double[] TARGET = new double[ACTIONS];

  static {
    for (int x = 0; x < CONTEXTS; x++) {
      for (int a = 0; a < ACTIONS; a++) {
        CLICK[x][a] = 0.02 + 0.01 * ((x + 3 * a) % 5);
      }
    }
    LOGGING[8] = 1e-6;
    LOGGING[9] = 1e-3;
    for (int a = 0; a < 8; a++) {
      LOGGING[a] = (1 - LOGGING[8] - LOGGING[9]) / 8;
      TARGET[a] = 0.6 / 8;
    }
    TARGET[8] = 0.3;
    TARGET[9] = 0.1;
  }

  private static double truth() {
    double value = 0;
    for (int x = 0; x < CONTEXTS; x++) {
      for (int a = 0; a < ACTIONS; a++) {
        value += TARGET[a] * CLICK[x][a] / CONTEXTS;
      }
    }
    return value;
  }

  private static CellMeanDecisions log(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] groupOfCell = new int[CONTEXTS * ACTIONS];
    for (int cell = 0; cell < groupOfCell.length; cell++) {
      groupOfCell[cell] = cell / ACTIONS;
    }
    CellMeanDecisions log = new CellMeanDecisions(groupOfCell, CONTEXTS, 20);
    for (int i = 0; i < LOG_SIZE; i++) {
      int x = random.nextInt(CONTEXTS);
      int a = draw(random);
      int[] cells = new int[ACTIONS];
      for (int b = 0; b < ACTIONS; b++) {
        cells[b] = x * ACTIONS + b;
      }
      log.add(TARGET[a] / LOGGING[a], random.nextDouble() < CLICK[x][a] ? 1 : 0, x * ACTIONS + a, cells, TARGET);
    }
    return log;
  }

  private static int draw(SplittableRandom random) {
    double u = random.nextDouble();
    for (int a = 0; a < ACTIONS - 1; a++) {
      u -= LOGGING[a];
      if (u < 0) {
        return a;
      }
    }
    return ACTIONS - 1;
  }

  @Test
  void switchDrAndDrOsCoverTheTruthWithBoundedIntervalsWhereRowsWeighUpTo300000() {
    double truth = truth();
    Estimator[] robust = {Estimator.SWITCH_DR, Estimator.DR_OS, Estimator.SNDR, Estimator.DR};
    int[] covered = new int[robust.length];
    double[] widest = new double[robust.length];
    for (int seed = 0; seed < SEEDS; seed++) {
      List<Estimate> estimates = new OffPolicyEvaluation(200, 0.95, seed).evaluate(log(seed), RewardRange.RATE, robust);
      for (int e = 0; e < robust.length; e++) {
        Estimate estimate = estimates.get(e);
        covered[e] += estimate.covers(truth) ? 1 : 0;
        widest[e] = Math.max(widest[e], estimate.ciHigh() - estimate.ciLow());
        assertThat(estimate.value()).isBetween(0.0, 1.0);
        assertThat(estimate.ciLow()).isBetween(0.0, 1.0);
        assertThat(estimate.ciHigh()).isBetween(0.0, 1.0);
      }
    }
    // Switch-DR and DR-OS: about 95 % coverage (0.92 measured), intervals at most 0.03 wide
    // around a truth of 0.04.
    for (int e = 0; e < 2; e++) {
      assertThat(covered[e] / (double) SEEDS).as("%s coverage of %.4f", robust[e], truth).isBetween(0.88, 1.0);
      assertThat(widest[e]).as("%s widest interval", robust[e]).isLessThan(0.03);
    }
    // Plain DR swings with the rows weighing 100 (its widest interval 0.11 measured); SNDR stays a
    // rate but normalises by weights that miss the target's mass on the unlogged action, and
    // under-covers (0.74 measured): neither is what the gate or the commands should trust here.
    assertThat(widest[3]).as("DR widest interval").isGreaterThan(0.05);
    assertThat(covered[2] / (double) SEEDS).as("SNDR coverage").isLessThan(0.88);
  }

  @Test
  void ipsMissesTheMassOnWhatTheLogAlmostNeverShowed() {
    double truth = truth();
    int covered = 0;
    for (int seed = 0; seed < 40; seed++) {
      covered += new OffPolicyEvaluation(200, 0.95, seed).evaluate(log(seed), RewardRange.RATE, Estimator.IPS).get(0).covers(truth) ? 1 : 0;
    }
    // The target puts 0.3 on an action logged once in a million: without a model IPS cannot see it.
    assertThat(covered).isLessThan(20);
  }

  @Test
  void anEstimateOfARateIsClippedIntoItsRangeAndSaysSo() {
    // One row at weight 100,000 with a click: DR's raw estimate is far above 1.
    List<EvaluationSample> log = new java.util.ArrayList<>();
    for (int i = 0; i < 999; i++) {
      log.add(new EvaluationSample(0.5, i % 50 == 0 ? 1 : 0, 0.02, 0.02));
    }
    log.add(new EvaluationSample(100_000, 1, 0.02, 0.02));
    assertThat(Estimator.DR.estimate(log.toArray(EvaluationSample[]::new))).isGreaterThan(1);

    List<Estimate> estimates =
        new OffPolicyEvaluation(100, 0.95, 1).evaluate(LoggedDecisions.fixed(log), RewardRange.RATE, Estimator.DR, Estimator.DR_OS);

    assertThat(estimates.get(0).value()).isEqualTo(1.0);
    assertThat(estimates.get(0).clipped()).isTrue();
    assertThat(estimates.get(0).effectiveSampleSize()).isCloseTo(1.0, within(0.05));
    assertThat(estimates.get(0).warning()).contains("effective sample size 1.0 of 1000");
    assertThat(estimates.get(1).value()).as("shrinkage keeps it a rate").isLessThan(0.1);
  }

  @Test
  void theDirectMethodsIntervalIncludesTheModelsUncertaintyWhenItIsRefitted() {
    CellMeanDecisions refitted = log(3);
    int[] all = new int[refitted.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    List<EvaluationSample> fitOnce = List.of(refitted.resample(all));
    OffPolicyEvaluation evaluation = new OffPolicyEvaluation(200, 0.95, 1);

    Estimate withModelUncertainty = evaluation.evaluate(refitted, RewardRange.RATE, Estimator.DM).get(0);
    Estimate without = evaluation.evaluate(LoggedDecisions.fixed(fitOnce), RewardRange.RATE, Estimator.DM).get(0);

    assertThat(withModelUncertainty.value()).isEqualTo(without.value());
    double width = withModelUncertainty.ciHigh() - withModelUncertainty.ciLow();
    assertThat(width).isGreaterThan(3 * (without.ciHigh() - without.ciLow()));
    assertThat(withModelUncertainty.covers(truth())).isTrue();
  }
}
