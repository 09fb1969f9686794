package io.recsys.server.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The estimators on synthetic contextual-bandit logs whose true target-policy value is known:
 * across many seeds their mean sits on the truth, and their 95 % intervals cover it about 95 % of
 * the time.
 */
class OffPolicyEvaluationTest {
  private static final int CONTEXTS = 5;
  private static final int ACTIONS = 4;
  private static final int SEEDS = 200;
  private static final int LOG_SIZE = 2_000;

  /** Click probability of each action in each context. */
  private static final double[][] CLICK = new double[CONTEXTS][ACTIONS];
  /** Logging policy: favours action 0, but every action has probability >= 0.1. */
  private static final double[][] LOGGING = new double[CONTEXTS][ACTIONS];
  /** Target policy: favours the action with index = context mod 4. */
  private static final double[][] TARGET = new double[CONTEXTS][ACTIONS];

  static {
    for (int x = 0; x < CONTEXTS; x++) {
      for (int a = 0; a < ACTIONS; a++) {
        CLICK[x][a] = 0.05 + 0.1 * ((x + 2 * a) % 5);
        LOGGING[x][a] = a == 0 ? 0.7 : 0.1;
        TARGET[x][a] = a == x % ACTIONS ? 0.85 : 0.05;
      }
    }
  }

  private static double truth() {
    double value = 0;
    for (int x = 0; x < CONTEXTS; x++) {
      for (int a = 0; a < ACTIONS; a++) {
        value += TARGET[x][a] * CLICK[x][a] / CONTEXTS;
      }
    }
    return value;
  }

  /**
   * One log. The reward model is deliberately wrong (the action's mean click rate over contexts,
   * plus a bias), so DR must rely on the propensities to be right.
   */
  private static List<EvaluationSample> log(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] model = new double[ACTIONS];
    for (int a = 0; a < ACTIONS; a++) {
      for (int x = 0; x < CONTEXTS; x++) {
        model[a] += CLICK[x][a] / CONTEXTS;
      }
      model[a] += 0.05;
    }
    List<EvaluationSample> samples = new ArrayList<>(LOG_SIZE);
    for (int i = 0; i < LOG_SIZE; i++) {
      int x = random.nextInt(CONTEXTS);
      int a = draw(LOGGING[x], random);
      double reward = random.nextDouble() < CLICK[x][a] ? 1 : 0;
      double modelValue = 0;
      for (int b = 0; b < ACTIONS; b++) {
        modelValue += TARGET[x][b] * model[b];
      }
      samples.add(new EvaluationSample(TARGET[x][a] / LOGGING[x][a], reward, modelValue, model[a]));
    }
    return samples;
  }

  private static int draw(double[] probabilities, SplittableRandom random) {
    double u = random.nextDouble();
    for (int a = 0; a < probabilities.length - 1; a++) {
      u -= probabilities[a];
      if (u < 0) {
        return a;
      }
    }
    return probabilities.length - 1;
  }

  @Test
  void ipsSnipsAndDrAreUnbiasedAndTheirIntervalsCoverTheTruthAbout95PercentOfTheTime() {
    double truth = truth();
    Estimator[] estimators = {Estimator.IPS, Estimator.SNIPS, Estimator.DR};
    double[] sums = new double[estimators.length];
    double[] squares = new double[estimators.length];
    int[] covered = new int[estimators.length];

    for (int seed = 0; seed < SEEDS; seed++) {
      List<Estimate> estimates = new OffPolicyEvaluation(200, 0.95, seed).evaluate(log(seed), estimators);
      for (int e = 0; e < estimators.length; e++) {
        double value = estimates.get(e).value();
        sums[e] += value;
        squares[e] += value * value;
        covered[e] += estimates.get(e).covers(truth) ? 1 : 0;
      }
    }

    for (int e = 0; e < estimators.length; e++) {
      double mean = sums[e] / SEEDS;
      double spread = Math.sqrt(squares[e] / SEEDS - mean * mean);
      assertThat(mean).as("%s mean over seeds", estimators[e]).isCloseTo(truth, within(4 * spread / Math.sqrt(SEEDS)));
      assertThat(covered[e] / (double) SEEDS).as("%s coverage", estimators[e]).isBetween(0.88, 0.99);
    }
  }

  @Test
  void theDirectMethodWithAWrongModelIsBiased() {
    double truth = truth();
    double sum = 0;
    for (int seed = 0; seed < 50; seed++) {
      sum += Estimator.DM.estimate(log(seed).toArray(EvaluationSample[]::new));
    }

    assertThat(Math.abs(sum / 50 - truth)).as("bias of DM with a wrong model").isGreaterThan(0.01);
  }

  @Test
  void theLoggingPolicyEvaluatedOnItsOwnLogIsItsMeanReward() {
    List<EvaluationSample> onPolicy = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      onPolicy.add(new EvaluationSample(1, i % 4 == 0 ? 1 : 0, 0.3, 0.3));
    }

    List<Estimate> estimates = OffPolicyEvaluation.defaults().evaluate(onPolicy, Estimator.IPS, Estimator.SNIPS, Estimator.DR);

    assertThat(estimates).allSatisfy(e -> assertThat(e.value()).isCloseTo(0.25, within(1e-12)));
    assertThat(estimates).allSatisfy(e -> assertThat(e.ciLow()).isLessThan(0.25));
    assertThat(estimates).allSatisfy(e -> assertThat(e.ciHigh()).isGreaterThan(0.25));
  }
}
