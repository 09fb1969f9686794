package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written backward pass, proved against finite differences, and the optimiser. */
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
      QNetwork.Pass pass = network.forward(state, 0, item, 0);
      network.backward(pass, loss.derivative(pass.output - target), analytic);

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
    for (int step = 0; step < 500; step++) {
      double[] gradient = new double[network.weights().length];
      for (int i = 0; i < 64; i++) {
        QNetwork.Pass pass = network.forward(states[i], 0, items[i], 0);
        network.backward(pass, loss.derivative(pass.output - targets[i]) / 64, gradient);
      }
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

  private static float[] randomVector(Random random) {
    float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = (float) random.nextGaussian();
    }
    return v;
  }
}
