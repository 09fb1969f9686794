package io.recsys.loadtest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.user.Ridge;
import io.recsys.v1.FeedbackType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The LinUCB baseline: its ridge algebra, its exact pruned top-K, and that it learns. */
class LinUcbTest {
  private static final int ITEMS = 400;
  private static final int DIM = 16;

  private static World world() {
    List<String> ids = IntStream.range(0, ITEMS).mapToObj(i -> "item-" + i).toList();
    List<String> groups = IntStream.range(0, ITEMS).mapToObj(i -> "g" + (i % 20)).toList();
    return new World(ids, groups, 5, List.of(), 3);
  }

  private static float[] randomVectors(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] vectors = new float[ITEMS * DIM];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = (float) (random.nextDouble() - 0.5);
    }
    return vectors;
  }

  @Test
  void ridgeSolvesTheNormalEquationsBuiltFromTheRawData() {
    SplittableRandom random = new SplittableRandom(1);
    int n = 6;
    double[][] xs = new double[50][n];
    double[] rs = new double[50];
    double[] gram = new double[n * n];
    double[] moments = new double[n];
    for (int row = 0; row < xs.length; row++) {
      for (int j = 0; j < n; j++) {
        xs[row][j] = random.nextDouble() * 2 - 1;
      }
      rs[row] = random.nextDouble();
      Ridge.addObservation(gram, moments, xs[row], rs[row], n);
    }

    double[] theta = Ridge.solve(Ridge.withRidge(gram, 0.7, n), moments, n);

    // (X'X + 0.7 I) theta = X'r, with X'X and X'r summed here from the rows themselves.
    for (int i = 0; i < n; i++) {
      double lhs = 0.7 * theta[i];
      double rhs = 0;
      for (double[] x : xs) {
        double xTheta = 0;
        for (int j = 0; j < n; j++) {
          xTheta += x[j] * theta[j];
        }
        lhs += x[i] * xTheta;
      }
      for (int row = 0; row < xs.length; row++) {
        rhs += xs[row][i] * rs[row];
      }
      assertThat(lhs).isCloseTo(rhs, within(1e-9));
    }
  }

  @Test
  void theInverseQuadraticFormMatchesAnExplicitInverse() {
    double[] a = {4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2};
    double[] x = {0.3, -1.2, 0.8};
    // The inverse column by column: solve a e_j.
    double expected = 0;
    for (int j = 0; j < 3; j++) {
      double[] unit = new double[3];
      unit[j] = 1;
      double[] column = Ridge.solve(a, unit, 3);
      for (int i = 0; i < 3; i++) {
        expected += x[i] * column[i] * x[j];
      }
    }

    assertThat(Ridge.inverseQuadratic(Ridge.cholesky(a, 3), x, 3)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void theBonusShrinksWhereTheUserHasBeenObserved() {
    World world = world();
    LinUcb optimistic = new LinUcb(world, randomVectors(2), DIM, 1.0, 1, 4);
    LinUcb greedy = new LinUcb(world, randomVectors(2), DIM, 0.0, 1, 4);
    List<String> shown = IntStream.range(0, 10).mapToObj(i -> "item-" + i).toList();
    for (int round = 0; round < 30; round++) {
      for (LinUcb policy : List.of(optimistic, greedy)) {
        policy.observe(List.of(0), List.of(shown), new FeedbackType[1][10]);
      }
    }

    double[] withBonus = optimistic.allUcbs(0, optimistic.population());
    double[] means = greedy.allUcbs(0, greedy.population());
    double observedBonus = withBonus[3] - means[3];
    double meanBonus = 0;
    for (int i = 0; i < ITEMS; i++) {
      assertThat(withBonus[i]).isGreaterThanOrEqualTo(means[i]);
      meanBonus += (withBonus[i] - means[i]) / ITEMS;
    }
    assertThat(observedBonus).isLessThan(meanBonus / 2);
    assertThat(optimistic.choose(0, optimistic.population(), 10)).doesNotContainAnyElementsOf(IntStream.range(0, 10).boxed().toList());
  }

  @Test
  void discountingWeighsEachObservationByGammaToThePowerOfTheObservationsSince() {
    World world = world();
    LinUcb forgetting = new LinUcb(world, randomVectors(8), DIM, 0.5, 0.9, 9);
    LinUcb remembering = new LinUcb(world, randomVectors(8), DIM, 0.5, 1, 9);
    // Three lists of one item each: item-1, item-2, item-3.
    for (int i = 1; i <= 3; i++) {
      for (LinUcb policy : List.of(forgetting, remembering)) {
        policy.observe(List.of(0), List.of(List.of("item-" + i)), new FeedbackType[1][1]);
      }
    }
    // The undiscounted Gram of one observation each, from three more users shown one item each.
    double[][] single = new double[4][];
    for (int i = 1; i <= 3; i++) {
      remembering.observe(List.of(i), List.of(List.of("item-" + i)), new FeedbackType[1][1]);
      single[i] = remembering.userGram(i);
    }

    double[] discounted = forgetting.userGram(0);
    for (int j = 0; j < discounted.length; j++) {
      double expected = 0.81 * single[1][j] + 0.9 * single[2][j] + single[3][j];
      assertThat(discounted[j]).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void aUserWhoAlwaysClicksOneItemGetsItFirst() {
    World world = world();
    LinUcb policy = new LinUcb(world, randomVectors(6), DIM, 0.1, 1, 7);
    String favourite = "item-42";
    for (int round = 0; round < 40; round++) {
      List<List<String>> shown = new ArrayList<>(policy.recommend(List.of(0), 10, round));
      List<String> list = new ArrayList<>(shown.get(0));
      if (!list.contains(favourite)) {
        list.set(9, favourite);
      }
      FeedbackType[][] reactions = new FeedbackType[1][10];
      reactions[0][list.indexOf(favourite)] = FeedbackType.FEEDBACK_TYPE_CLICK;
      policy.observe(List.of(0), List.of(list), reactions);
    }

    assertThat(policy.recommend(List.of(0), 10, 40).get(0).get(0)).isEqualTo(favourite);
  }
}
