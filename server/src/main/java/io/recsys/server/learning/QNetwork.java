package io.recsys.server.learning;

import java.util.SplittableRandom;

/**
 * Q(s, a) for a user state {@code s} and a candidate item {@code a}: a small MLP over the
 * features {@code [s, x_a, s * x_a]} (state, item vector, their element-wise product), two ReLU
 * hidden layers, one linear output. The forward pass here and the exported ONNX graph ({@code
 * model.QNetworkGraph}) compute the same numbers; the backward pass is hand-written and checked
 * against finite differences.
 *
 * <p>Weights are one flat array, laid out as W1 [h1][3d], b1 [h1], W2 [h2][h1], b2 [h2],
 * w3 [h2], b3 [1], so the optimiser, the target network copy and the snapshot file treat them as
 * one vector. Not thread-safe: the trainer owns its instance; serving uses the ONNX graph.
 */
public final class QNetwork {
  private final int dimension;
  private final int hidden1;
  private final int hidden2;
  private final double[] weights;

  public QNetwork(int dimension, int hidden1, int hidden2) {
    if (dimension < 1 || hidden1 < 1 || hidden2 < 1) {
      throw new IllegalArgumentException("dimensions must be >= 1");
    }
    this.dimension = dimension;
    this.hidden1 = hidden1;
    this.hidden2 = hidden2;
    this.weights = new double[parameterCount(dimension, hidden1, hidden2)];
  }

  public static int parameterCount(int dimension, int hidden1, int hidden2) {
    return hidden1 * 3 * dimension + hidden1 + hidden2 * hidden1 + hidden2 + hidden2 + 1;
  }

  /** He-initialised weights (ReLU layers), zero biases. */
  public static QNetwork initialised(int dimension, int hidden1, int hidden2, long seed) {
    QNetwork network = new QNetwork(dimension, hidden1, hidden2);
    SplittableRandom random = new SplittableRandom(seed);
    fillGaussian(network.weights, network.w1(), hidden1 * 3 * dimension, Math.sqrt(2.0 / (3 * dimension)), random);
    fillGaussian(network.weights, network.w2(), hidden2 * hidden1, Math.sqrt(2.0 / hidden1), random);
    fillGaussian(network.weights, network.w3(), hidden2, Math.sqrt(1.0 / hidden2), random);
    return network;
  }

  private static void fillGaussian(double[] target, int from, int count, double scale, SplittableRandom random) {
    for (int i = 0; i < count; i++) {
      double u1 = 1 - random.nextDouble();
      double u2 = random.nextDouble();
      target[from + i] = scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
  }

  public int dimension() {
    return dimension;
  }

  public int hidden1() {
    return hidden1;
  }

  public int hidden2() {
    return hidden2;
  }

  /** The parameters, shared: the optimiser updates them in place. */
  public double[] weights() {
    return weights;
  }

  public QNetwork copy() {
    QNetwork copy = new QNetwork(dimension, hidden1, hidden2);
    System.arraycopy(weights, 0, copy.weights, 0, weights.length);
    return copy;
  }

  public void copyFrom(QNetwork other) {
    System.arraycopy(other.weights, 0, weights, 0, weights.length);
  }

  // Offsets of each block in the flat parameter vector.
  int w1() {
    return 0;
  }

  int b1() {
    return hidden1 * 3 * dimension;
  }

  int w2() {
    return b1() + hidden1;
  }

  int b2() {
    return w2() + hidden2 * hidden1;
  }

  int w3() {
    return b2() + hidden2;
  }

  int b3() {
    return w3() + hidden2;
  }

  /** Activations of one forward pass, kept for the backward pass. */
  final class Pass {
    final double[] input = new double[3 * dimension];
    final double[] hiddenOne = new double[hidden1];
    final double[] hiddenTwo = new double[hidden2];
    double output;
  }

  /** Q(state, item). */
  public double q(float[] state, float[] item) {
    return forward(state, 0, item, 0).output;
  }

  Pass forward(float[] states, int stateOffset, float[] items, int itemOffset) {
    Pass pass = new Pass();
    double[] in = pass.input;
    for (int i = 0; i < dimension; i++) {
      double s = states[stateOffset + i];
      double x = items[itemOffset + i];
      in[i] = s;
      in[dimension + i] = x;
      in[2 * dimension + i] = s * x;
    }
    int width = 3 * dimension;
    for (int h = 0; h < hidden1; h++) {
      double sum = weights[b1() + h];
      int row = w1() + h * width;
      for (int i = 0; i < width; i++) {
        sum += weights[row + i] * in[i];
      }
      pass.hiddenOne[h] = Math.max(0, sum);
    }
    for (int h = 0; h < hidden2; h++) {
      double sum = weights[b2() + h];
      int row = w2() + h * hidden1;
      for (int i = 0; i < hidden1; i++) {
        sum += weights[row + i] * pass.hiddenOne[i];
      }
      pass.hiddenTwo[h] = Math.max(0, sum);
    }
    double out = weights[b3()];
    for (int h = 0; h < hidden2; h++) {
      out += weights[w3() + h] * pass.hiddenTwo[h];
    }
    pass.output = out;
    return pass;
  }

  /**
   * Adds d(loss)/d(weights) to {@code gradient}, where {@code outputGradient} is d(loss)/d(Q) for
   * this pass (the Huber loss's derivative, say).
   */
  void backward(Pass pass, double outputGradient, double[] gradient) {
    double[] gradHiddenTwo = new double[hidden2];
    gradient[b3()] += outputGradient;
    for (int h = 0; h < hidden2; h++) {
      gradient[w3() + h] += outputGradient * pass.hiddenTwo[h];
      gradHiddenTwo[h] = pass.hiddenTwo[h] > 0 ? outputGradient * weights[w3() + h] : 0;
    }
    double[] gradHiddenOne = new double[hidden1];
    for (int h = 0; h < hidden2; h++) {
      double g = gradHiddenTwo[h];
      if (g == 0) {
        continue;
      }
      gradient[b2() + h] += g;
      int row = w2() + h * hidden1;
      for (int i = 0; i < hidden1; i++) {
        gradient[row + i] += g * pass.hiddenOne[i];
        gradHiddenOne[i] += g * weights[row + i];
      }
    }
    int width = 3 * dimension;
    for (int h = 0; h < hidden1; h++) {
      double g = pass.hiddenOne[h] > 0 ? gradHiddenOne[h] : 0;
      if (g == 0) {
        continue;
      }
      gradient[b1() + h] += g;
      int row = w1() + h * width;
      for (int i = 0; i < width; i++) {
        gradient[row + i] += g * pass.input[i];
      }
    }
  }
}
