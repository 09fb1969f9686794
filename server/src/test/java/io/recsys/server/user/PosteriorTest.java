package io.recsys.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A user's posterior: exact against a batch ridge fit, forgetting, confidence, memory. */
class PosteriorTest {
  private static final int D = 6;
  private static final double RIDGE = 0.8;

  private static double[] randomVector(SplittableRandom random, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextDouble(-1, 1);
    }
    return v;
  }

  /** The weighted ridge objective's gradient at {@code theta}: zero at its minimum. */
  private static double[] gradient(double[][] zs, double[] weights, double[] labels, double[] prior, double[] theta) {
    double[] g = new double[D];
    for (int n = 0; n < zs.length; n++) {
      double residual = Ridge.dot(zs[n], theta) - labels[n];
      for (int i = 0; i < D; i++) {
        g[i] += weights[n] * residual * zs[n][i];
      }
    }
    for (int i = 0; i < D; i++) {
      g[i] += RIDGE * (theta[i] - prior[i]);
    }
    return g;
  }

  @Test
  void incrementalUpdatesEqualTheBatchRidgeFitOnTheSameData() {
    SplittableRandom random = new SplittableRandom(3);
    int n = 200;
    double[][] zs = new double[n][];
    double[] weights = new double[n];
    double[] labels = new double[n];
    double[] prior = randomVector(random, D);
    Posterior posterior = Posterior.empty(D);
    for (int i = 0; i < n; i++) {
      zs[i] = randomVector(random, D);
      weights[i] = random.nextDouble(0.1, 1);
      labels[i] = random.nextBoolean() ? 1 : 0;
      posterior = posterior.observe(zs[i], weights[i], weights[i] * labels[i], 1);
    }

    double[] theta = posterior.fit(prior, RIDGE).mean();

    // The normal equations, built from the raw rows, solved independently of the posterior.
    double[] a = new double[D * D];
    double[] b = new double[D];
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < D; r++) {
        b[r] += weights[i] * labels[i] * zs[i][r];
        for (int c = 0; c < D; c++) {
          a[r * D + c] += weights[i] * zs[i][r] * zs[i][c];
        }
      }
    }
    for (int r = 0; r < D; r++) {
      a[r * D + r] += RIDGE;
      b[r] += RIDGE * prior[r];
    }
    double[] expected = Ridge.solve(a, b, D);
    for (int i = 0; i < D; i++) {
      assertThat(theta[i]).isCloseTo(expected[i], within(1e-9));
    }
    for (double g : gradient(zs, weights, labels, prior, theta)) {
      assertThat(g).isCloseTo(0, within(1e-9));
    }
    assertThat(posterior.gram()).containsExactly(withoutRidge(a), within(1e-9));
  }

  private static double[] withoutRidge(double[] a) {
    double[] g = a.clone();
    for (int r = 0; r < D; r++) {
      g[r * D + r] -= RIDGE;
    }
    return g;
  }

  @Test
  void forgettingWeighsEachObservationByTheDiscountToThePowerOfItsAge() {
    SplittableRandom random = new SplittableRandom(4);
    double gamma = 0.9;
    int n = 40;
    double[][] zs = new double[n][];
    double[] labels = new double[n];
    Posterior discounted = Posterior.empty(D);
    for (int i = 0; i < n; i++) {
      zs[i] = randomVector(random, D);
      labels[i] = random.nextBoolean() ? 1 : 0;
      discounted = discounted.observe(zs[i], 1, labels[i], gamma);
    }
    Posterior explicit = Posterior.empty(D);
    double[] weights = new double[n];
    for (int i = 0; i < n; i++) {
      weights[i] = Math.pow(gamma, n - 1 - i);
      explicit = explicit.observe(zs[i], weights[i], weights[i] * labels[i], 1);
    }
    double[] prior = new double[D];

    double[] theta = discounted.fit(prior, RIDGE).mean();

    assertThat(theta).containsExactly(explicit.fit(prior, RIDGE).mean(), within(1e-9));
    for (double g : gradient(zs, weights, labels, prior, theta)) {
      assertThat(g).isCloseTo(0, within(1e-9));
    }
  }

  @Test
  void anAbruptChangeOfTasteIsForgottenWhileWithoutDiscountItLingers() {
    // Before: the user clicks along +e0; after: along +e1, with the same number of observations.
    SplittableRandom random = new SplittableRandom(5);
    Posterior forgetting = Posterior.empty(D);
    Posterior remembering = Posterior.empty(D);
    for (int phase = 0; phase < 2; phase++) {
      for (int i = 0; i < 150; i++) {
        double[] z = randomVector(random, D);
        double label = z[phase] > 0 ? 1 : 0;
        forgetting = forgetting.observe(z, 1, label, 0.97);
        remembering = remembering.observe(z, 1, label, 1);
      }
    }
    double[] prior = new double[D];

    double[] now = forgetting.fit(prior, RIDGE).mean();
    double[] blended = remembering.fit(prior, RIDGE).mean();

    assertThat(now[1]).isGreaterThan(3 * Math.abs(now[0]));
    assertThat(blended[0]).isGreaterThan(0.5 * blended[1]);
  }

  @Test
  void theConfidenceWidthShrinksAlongWhatTheUserWasShown() {
    double[] seen = {1, 0, 0, 0, 0, 0};
    double[] unseen = {0, 1, 0, 0, 0, 0};
    Posterior posterior = Posterior.empty(D);
    for (int i = 0; i < 20; i++) {
      posterior = posterior.observe(seen, 1, 0, 1);
    }
    UserPosteriors posteriors = new UserPosteriors(D, new PosteriorSettings(RIDGE, 1, 1, 0));
    Ridge.Fit fit = posterior.fit(new double[D], RIDGE);

    assertThat(posteriors.bonus(fit, seen)).isCloseTo(Math.sqrt(1 / (20 + RIDGE)), within(1e-12));
    assertThat(posteriors.bonus(fit, unseen)).isCloseTo(Math.sqrt(1 / RIDGE), within(1e-12));
  }

  @Test
  void aPosteriorIsImmutableAndItsMemoryIsThePackedTriangle() {
    Posterior empty = Posterior.empty(D);
    Posterior one = empty.observe(new double[] {1, 2, 3, 4, 5, 6}, 1, 1, 1);

    assertThat(empty.gram()).containsOnly(0.0);
    assertThat(one.gram()[1]).isEqualTo(2.0);
    assertThat(Posterior.bytesFor(25)).isEqualTo((25 * 26 / 2 + 2 * 25) * 8L);
  }

  @Test
  void correctionsKeptAsideGiveTheSameSumsBitForBitAsAddingEachAtOnce() {
    SplittableRandom random = new SplittableRandom(6);
    double[][] list = new double[10][];
    double[] weights = new double[10];
    double[] targets = new double[10];
    Posterior lazy = Posterior.empty(D);
    Posterior eager = Posterior.empty(D);
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < list.length; i++) {
        list[i] = randomVector(random, D);
        weights[i] = random.nextDouble(0.1, 1);
        targets[i] = -weights[i] * random.nextDouble();
      }
      lazy = lazy.observeAll(list, weights, targets, 0.95);
      for (int i = 0; i < list.length; i++) {
        eager = eager.observe(list[i], weights[i], targets[i], 0.95);
      }
      // More reactions than are kept aside: the chain folds and starts again.
      for (int reaction = 0; reaction < Posterior.MAX_PENDING + 3; reaction++) {
        double[] z = list[reaction % list.length];
        lazy = lazy.observe(z, 0.4, 0.7, 1);
        eager = eager.observeAll(new double[][] {z}, new double[] {0.4}, new double[] {0.7}, 1);
        assertThat(lazy.pendingCorrections()).isEqualTo((reaction + 1) % (Posterior.MAX_PENDING + 1));
        assertThat(lazy.gram()).containsExactly(eager.gram());
        assertThat(lazy.moments()).containsExactly(eager.moments());
      }
      assertThat(eager.pendingCorrections()).isZero();
    }
    double[] prior = randomVector(random, D);
    assertThat(lazy.fit(prior, RIDGE).mean()).containsExactly(eager.fit(prior, RIDGE).mean());
  }

  @Test
  void thePopulationPriorPublishesItsRefitByCount() {
    PopulationPrior population = new PopulationPrior(2, 1);
    double[] z = {1, 0};
    for (int i = 0; i < PopulationPrior.REFIT_EVERY - 1; i++) {
      population.observe(z, 1, 1);
    }
    assertThat(population.mean()).containsExactly(0, 0);

    population.observe(z, 1, 1);

    double n = PopulationPrior.REFIT_EVERY;
    assertThat(population.mean()[0]).isCloseTo(n / (n + 1), within(1e-12));
  }
}
