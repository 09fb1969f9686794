package io.recsys.server.learning;

import java.util.SplittableRandom;

/**
 * Q(s, a) for a user state {@code s} and a candidate item {@code a}. Both are first projected by
 * one learned matrix P to a small space ({@code projection} wide); the MLP then reads the features
 * {@code [Ps, Px, Ps * Px]} (state, item, their element-wise product), two ReLU hidden layers, one
 * linear output. Projecting first keeps the cost per candidate near {@code projection x d} instead
 * of {@code 3d x hidden1}, which is what makes scoring 100 candidates and training cheap. The
 * forward pass here and the exported ONNX graph ({@code model.QNetworkGraph}) compute the same
 * numbers; the backward pass is hand-written and checked against finite differences.
 *
 * <p>Weights are one flat array, laid out as P [p][d], W1 [h1][3p], b1 [h1], W2 [h2][h1],
 * b2 [h2], w3 [h2], b3 [1], so the optimiser, the target network copy and the stored file treat
 * them as one vector. Not thread-safe: the trainer owns its instance; serving uses the graph.
 */
public final class QNetwork {
  private final int dimension;
  private final int projection;
  private final int hidden1;
  private final int hidden2;
  private final double[] weights;

  public QNetwork(int dimension, int projection, int hidden1, int hidden2) {
    if (dimension < 1 || projection < 1 || hidden1 < 1 || hidden2 < 1) {
      throw new IllegalArgumentException("dimensions must be >= 1");
    }
    this.dimension = dimension;
    this.projection = projection;
    this.hidden1 = hidden1;
    this.hidden2 = hidden2;
    this.weights = new double[parameterCount(dimension, projection, hidden1, hidden2)];
  }

  public static int parameterCount(int dimension, int projection, int hidden1, int hidden2) {
    return projection * dimension + hidden1 * 3 * projection + hidden1 + hidden2 * hidden1 + hidden2 + hidden2 + 1;
  }

  /** Scaled-Gaussian projection, He-initialised ReLU layers, zero biases. */
  public static QNetwork initialised(int dimension, int projection, int hidden1, int hidden2, long seed) {
    QNetwork network = new QNetwork(dimension, projection, hidden1, hidden2);
    SplittableRandom random = new SplittableRandom(seed);
    fillGaussian(network.weights, network.p(), projection * dimension, Math.sqrt(1.0 / dimension) * 3, random);
    fillGaussian(network.weights, network.w1(), hidden1 * 3 * projection, Math.sqrt(2.0 / (3 * projection)), random);
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

  public int projection() {
    return projection;
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
    QNetwork copy = new QNetwork(dimension, projection, hidden1, hidden2);
    System.arraycopy(weights, 0, copy.weights, 0, weights.length);
    return copy;
  }

  public void copyFrom(QNetwork other) {
    System.arraycopy(other.weights, 0, weights, 0, weights.length);
  }

  // Offsets of each block in the flat parameter vector.
  int p() {
    return 0;
  }

  int w1() {
    return projection * dimension;
  }

  int b1() {
    return w1() + hidden1 * 3 * projection;
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
    float[] state;
    int stateOffset;
    float[] item;
    int itemOffset;
    double[] projectedState;
    double[] projectedItem;
    final double[] features = new double[3 * projection];
    final double[] hiddenOne = new double[hidden1];
    final double[] hiddenTwo = new double[hidden2];
    double output;
  }

  /** P v for the vector at {@code offset}: do it once per state, then score many items. */
  public double[] project(float[] vector, int offset) {
    double[] out = new double[projection];
    for (int k = 0; k < projection; k++) {
      double sum = 0;
      int row = p() + k * dimension;
      for (int i = 0; i < dimension; i++) {
        sum += weights[row + i] * vector[offset + i];
      }
      out[k] = sum;
    }
    return out;
  }

  /** Q(state, item). */
  public double q(float[] state, float[] item) {
    return forward(state, 0, item, 0).output;
  }

  /** Q from already projected state and item. */
  public double q(double[] projectedState, double[] projectedItem) {
    Pass pass = new Pass();
    pass.projectedState = projectedState;
    pass.projectedItem = projectedItem;
    layers(pass);
    return pass.output;
  }

  Pass forward(float[] states, int stateOffset, float[] items, int itemOffset) {
    Pass pass = new Pass();
    pass.state = states;
    pass.stateOffset = stateOffset;
    pass.item = items;
    pass.itemOffset = itemOffset;
    pass.projectedState = project(states, stateOffset);
    pass.projectedItem = project(items, itemOffset);
    layers(pass);
    return pass;
  }

  private void layers(Pass pass) {
    double[] f = pass.features;
    for (int k = 0; k < projection; k++) {
      double s = pass.projectedState[k];
      double x = pass.projectedItem[k];
      f[k] = s;
      f[projection + k] = x;
      f[2 * projection + k] = s * x;
    }
    int width = 3 * projection;
    for (int h = 0; h < hidden1; h++) {
      double sum = weights[b1() + h];
      int row = w1() + h * width;
      for (int i = 0; i < width; i++) {
        sum += weights[row + i] * f[i];
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
  }

  /**
   * Adds d(loss)/d(weights) to {@code gradient}, where {@code outputGradient} is d(loss)/d(Q) for
   * this pass (the Huber loss's derivative, say). The pass must come from {@link #forward}.
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
    int width = 3 * projection;
    double[] gradFeatures = new double[width];
    for (int h = 0; h < hidden1; h++) {
      double g = pass.hiddenOne[h] > 0 ? gradHiddenOne[h] : 0;
      if (g == 0) {
        continue;
      }
      gradient[b1() + h] += g;
      int row = w1() + h * width;
      for (int i = 0; i < width; i++) {
        gradient[row + i] += g * pass.features[i];
        gradFeatures[i] += g * weights[row + i];
      }
    }
    for (int k = 0; k < projection; k++) {
      // features = [s, x, s * x] in the projected space
      double gradState = gradFeatures[k] + gradFeatures[2 * projection + k] * pass.projectedItem[k];
      double gradItem = gradFeatures[projection + k] + gradFeatures[2 * projection + k] * pass.projectedState[k];
      int row = p() + k * dimension;
      for (int i = 0; i < dimension; i++) {
        gradient[row + i] += gradState * pass.state[pass.stateOffset + i] + gradItem * pass.item[pass.itemOffset + i];
      }
    }
  }
}
