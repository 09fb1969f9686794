package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written backward pass, proved against finite differences and over shared vectors, and the optimiser. */
class QNetworkTest {
  private static final int DIM = 6;

  @Test
  void theBackwardPassMatchesFiniteDifferences() {
    QNetwork network = QNetwork.initialised(DIM, 4, 7, 5, 3);
    Random random = new Random(11);
    HuberLoss loss = new HuberLoss(1.0);
    double worst = 0;
    int checked = 0;
    for (int sample = 0; sample < 5; sample++) {
      float[] state = randomVector(random);
      float[] item = randomVector(random);
      double target = random.nextGaussian();
      double[] analytic = new double[network.weights().length];
      QBatch batch = new QBatch(network, 2, 1);
      batch.begin();
      int pair = batch.pair(batch.add(wide(state)), batch.add(wide(item)));
      batch.backward(pair, loss.derivative(batch.q(pair) - target));
      batch.moveAverageGradientInto(analytic, 1);

      double[] w = network.weights();
      for (int i = 0; i < w.length; i++) {
        double saved = w[i];
        double h = 1e-6;
        w[i] = saved + h;
        double up = loss.value(network.q(state, item) - target);
        w[i] = saved - h;
        double down = loss.value(network.q(state, item) - target);
        w[i] = saved;
        double numeric = (up - down) / (2 * h);
        double error = Math.abs(numeric - analytic[i]) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic[i]));
        worst = Math.max(worst, Math.abs(numeric - analytic[i]) < 1e-9 ? 0 : error);
        checked++;
      }
    }

    assertThat(checked).isEqualTo(5 * QNetwork.parameterCount(DIM, 4, 7, 5));
    assertThat(worst).as("largest relative gradient error").isLessThan(1e-5);
  }

  @Test
  void aMinibatchThatSharesVectorsGetsTheMeanOfItsPairsGradients() {
    QNetwork network = QNetwork.initialised(DIM, 4, 7, 5, 3);
    Random random = new Random(5);
    double[][] vectors = new double[5][];
    for (int v = 0; v < vectors.length; v++) {
      vectors[v] = wide(randomVector(random));
    }
    // Pairs of vector indexes: states and items reused across pairs, and one vector as both.
    int[][] pairs = {{0, 2}, {0, 3}, {1, 2}, {1, 4}, {0, 4}, {3, 3}};
    double[] gradients = new double[pairs.length];
    for (int i = 0; i < pairs.length; i++) {
      gradients[i] = random.nextGaussian();
    }

    double[] expected = new double[network.weights().length];
    for (int i = 0; i < pairs.length; i++) {
      QBatch single = new QBatch(network, 2, 1);
      single.begin();
      int pair = single.pair(single.add(vectors[pairs[i][0]]), single.add(vectors[pairs[i][1]]));
      single.backward(pair, gradients[i]);
      double[] one = new double[expected.length];
      single.moveAverageGradientInto(one, 1);
      for (int w = 0; w < one.length; w++) {
        expected[w] += one[w] / pairs.length;
      }
    }

    QBatch shared = new QBatch(network, vectors.length, pairs.length);
    for (int round = 0; round < 2; round++) { // the second round proves the reused batch starts clean
      shared.begin();
      int[] slots = new int[vectors.length];
      for (int v = 0; v < vectors.length; v++) {
        slots[v] = shared.add(vectors[v]);
      }
      for (int i = 0; i < pairs.length; i++) {
        int pair = shared.pair(slots[pairs[i][0]], slots[pairs[i][1]]);
        assertThat(shared.q(pair)).isEqualTo(network.q(narrow(vectors[pairs[i][0]]), narrow(vectors[pairs[i][1]])));
        shared.backward(pair, gradients[i]);
      }
      double[] actual = new double[expected.length];
      shared.moveAverageGradientInto(actual, pairs.length);
      for (int w = 0; w < actual.length; w++) {
        assertThat(actual[w]).as("weight %d, round %d", w, round).isCloseTo(expected[w], within(1e-12 * Math.max(1, Math.abs(expected[w]))));
      }
    }
  }

  @Test
  void adamOnHuberLossFitsAKnownFunction() {
    QNetwork network = QNetwork.initialised(DIM, 6, 16, 8, 5);
    Adam adam = new Adam(network.weights().length, 0.01);
    HuberLoss loss = new HuberLoss(1.0);
    Random random = new Random(3);
    float[][] states = new float[64][];
    float[][] items = new float[64][];
    double[] targets = new double[64];
    for (int i = 0; i < 64; i++) {
      states[i] = randomVector(random);
      items[i] = randomVector(random);
      double dot = 0;
      for (int d = 0; d < DIM; d++) {
        dot += states[i][d] * items[i][d];
      }
      targets[i] = dot; // Q should learn s . x, which the s * x features make easy
    }

    double before = meanLoss(network, loss, states, items, targets);
    QBatch batch = new QBatch(network, 128, 64);
    double[] gradient = new double[network.weights().length];
    for (int step = 0; step < 500; step++) {
      batch.begin();
      for (int i = 0; i < 64; i++) {
        int pair = batch.pair(batch.add(wide(states[i])), batch.add(wide(items[i])));
        batch.backward(pair, loss.derivative(batch.q(pair) - targets[i]));
      }
      batch.moveAverageGradientInto(gradient, 64);
      adam.step(network.weights(), gradient);
    }

    assertThat(meanLoss(network, loss, states, items, targets)).isLessThan(before / 20);
  }

  private static double meanLoss(QNetwork network, HuberLoss loss, float[][] states, float[][] items, double[] targets) {
    double sum = 0;
    for (int i = 0; i < targets.length; i++) {
      sum += loss.value(network.q(states[i], items[i]) - targets[i]);
    }
    return sum / targets.length;
  }

  private static double[] wide(float[] vector) {
    double[] wide = new double[vector.length];
    for (int i = 0; i < vector.length; i++) {
      wide[i] = vector[i];
    }
    return wide;
  }

  private static float[] narrow(double[] vector) {
    float[] narrow = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      narrow[i] = (float) vector[i];
    }
    return narrow;
  }

  private static float[] randomVector(Random random) {
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = (float) random.nextGaussian();
    }
    return v;
  }
}
