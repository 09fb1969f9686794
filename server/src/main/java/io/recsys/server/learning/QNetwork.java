package io.recsys.server.learning;

import io.recsys.server.model.QNetworkWeights;
import java.util.SplittableRandom;

/**
 * Q(s, a) for a user state {@code s} and a candidate item {@code a}. Both are first projected by
 * one learned matrix P to a small space ({@code projection} wide); the MLP then reads the features
 * {@code [Ps, Px, Ps * Px]} (state, item, their element-wise product), two ReLU hidden layers, one
 * linear output. Projecting first keeps the cost per candidate near {@code projection x d} instead
 * of {@code 3d x hidden1}, which is what makes scoring 100 candidates and training cheap. The
 * forward pass ({@link QBatch}) and the exported ONNX graph ({@code model.QNetworkGraph}) compute
 * the same numbers.
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
    return QNetworkWeights.parameterCount(dimension, projection, hidden1, hidden2);
  }

  /** A network holding a copy of {@code weights} (a stored version, to train on from there or to serve). */
  public static QNetwork of(QNetworkWeights weights) {
    QNetwork network = new QNetwork(weights.dimension(), weights.projection(), weights.hidden1(), weights.hidden2());
    System.arraycopy(weights.values(), 0, network.weights, 0, network.weights.length);
    return network;
  }

  /** A copy of the weights as the plain value serving exports. */
  public QNetworkWeights toWeights() {
    return new QNetworkWeights(dimension, projection, hidden1, hidden2, weights);
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

  /** Takes {@code other}'s weights; it must have the same layer sizes. */
  public void copyFrom(QNetwork other) {
    if (!shape().equals(other.shape())) {
      throw new IllegalArgumentException(
          "the network has layers " + other.shape() + ", the trainer is configured for " + shape());
    }
    System.arraycopy(other.weights, 0, weights, 0, weights.length);
  }

  /** Input, projection and hidden sizes, e.g. "384 -> 32 -> 64 -> 32". */
  public String shape() {
    return dimension + " -> " + projection + " -> " + hidden1 + " -> " + hidden2;
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

  /** Q(state, item); the trainer scores whole minibatches through {@link QBatch} instead. */
  public double q(float[] state, float[] item) {
    QBatch batch = new QBatch(this, 2, 1);
    batch.begin();
    return batch.q(batch.pair(batch.add(widened(state)), batch.add(widened(item))));
  }

  private static double[] widened(float[] vector) {
    double[] wide = new double[vector.length];
    Matrices.widen(vector, 0, wide);
    return wide;
  }
}
