package io.recsys.server.learning;

import java.util.Arrays;

/**
 * Forward and backward passes of one {@link QNetwork} over a minibatch. Projecting a 384-d vector
 * is most of the work, so each distinct state or item is projected once ({@link #add}) and shared
 * by every (state, item) pair that reads it ({@link #pair}); its share of the projection's
 * gradient is summed and applied as one outer product ({@link #moveAverageGradientInto}). The
 * backward pass is hand-written and checked against finite differences. Reused from one minibatch
 * to the next without allocating; not thread-safe.
 */
final class QBatch {
  private final QNetwork network;
  private final QNetworkRows weights;
  private final QGradient gradient;
  private final double[][] inputs;
  private final double[][] projected;
  private final double[][] projectedGradient;
  private final int[] pairState;
  private final int[] pairItem;
  private final double[][] features;
  private final double[][] hiddenOne;
  private final double[][] hiddenTwo;
  private final double[] output;
  private final double[] gradHiddenTwo;
  private final double[] gradHiddenOne;
  private final double[] gradFeatures;
  private int vectors;
  private int pairs;

  QBatch(QNetwork network, int maxVectors, int maxPairs) {
    int p = network.projection();
    this.network = network;
    this.weights = new QNetworkRows(network);
    this.gradient = new QGradient(network);
    this.inputs = new double[maxVectors][];
    this.projected = new double[maxVectors][p];
    this.projectedGradient = new double[maxVectors][p];
    this.pairState = new int[maxPairs];
    this.pairItem = new int[maxPairs];
    this.features = new double[maxPairs][3 * p];
    this.hiddenOne = new double[maxPairs][network.hidden1()];
    this.hiddenTwo = new double[maxPairs][network.hidden2()];
    this.output = new double[maxPairs];
    this.gradHiddenTwo = new double[network.hidden2()];
    this.gradHiddenOne = new double[network.hidden1()];
    this.gradFeatures = new double[3 * p];
  }

  /** Starts a minibatch with the network's current weights. */
  void begin() {
    weights.copyFrom(network);
    vectors = 0;
    pairs = 0;
  }

  /** Projects {@code input} (kept, not copied, until the next {@link #begin}); returns its slot for {@link #pair}. */
  int add(double[] input) {
    inputs[vectors] = input;
    double[] out = projected[vectors];
    Arrays.fill(out, 0);
    Matrices.addCombination(out, input, weights.projectionT);
    Arrays.fill(projectedGradient[vectors], 0);
    return vectors++;
  }

  /** Runs the layers on the features of the state and item in these slots; returns the pair's index. */
  int pair(int state, int item) {
    int p = network.projection();
    double[] s = projected[state];
    double[] x = projected[item];
    double[] f = features[pairs];
    for (int k = 0; k < p; k++) {
      f[k] = s[k];
      f[p + k] = x[k];
      f[2 * p + k] = s[k] * x[k];
    }
    double[] one = hiddenOne[pairs];
    System.arraycopy(weights.b1, 0, one, 0, one.length);
    Matrices.addCombination(one, f, weights.w1T);
    Matrices.relu(one);
    double[] two = hiddenTwo[pairs];
    System.arraycopy(weights.b2, 0, two, 0, two.length);
    for (int i = 0; i < one.length; i++) {
      if (one[i] != 0) { // half the ReLU outputs are 0 and add nothing
        Matrices.addScaled(two, one[i], weights.w2T[i]);
      }
    }
    Matrices.relu(two);
    output[pairs] = weights.b3 + Matrices.dot(weights.w3, two);
    pairState[pairs] = state;
    pairItem[pairs] = item;
    return pairs++;
  }

  double q(int pair) {
    return output[pair];
  }

  /** Adds this pair's gradient, given d(loss)/d(Q) for it (the Huber loss's derivative, say). */
  void backward(int pair, double outputGradient) {
    double[] two = hiddenTwo[pair];
    double[] one = hiddenOne[pair];
    gradient.b3 += outputGradient;
    for (int h = 0; h < two.length; h++) {
      gradient.w3[h] += outputGradient * two[h];
      gradHiddenTwo[h] = two[h] > 0 ? outputGradient * weights.w3[h] : 0;
    }
    Arrays.fill(gradHiddenOne, 0);
    for (int h = 0; h < two.length; h++) {
      double g = gradHiddenTwo[h];
      if (g != 0) {
        gradient.b2[h] += g;
        Matrices.addScaled(gradient.w2[h], g, one);
        Matrices.addScaled(gradHiddenOne, g, weights.w2[h]);
      }
    }
    Arrays.fill(gradFeatures, 0);
    for (int h = 0; h < one.length; h++) {
      double g = one[h] > 0 ? gradHiddenOne[h] : 0;
      if (g != 0) {
        gradient.b1[h] += g;
        Matrices.addScaled(gradient.w1[h], g, features[pair]);
        Matrices.addScaled(gradFeatures, g, weights.w1[h]);
      }
    }
    // features = [s, x, s * x] in the projected space
    int p = network.projection();
    double[] s = projected[pairState[pair]];
    double[] x = projected[pairItem[pair]];
    double[] gradState = projectedGradient[pairState[pair]];
    double[] gradItem = projectedGradient[pairItem[pair]];
    for (int k = 0; k < p; k++) {
      double product = gradFeatures[2 * p + k];
      gradState[k] += gradFeatures[k] + product * x[k];
      gradItem[k] += gradFeatures[p + k] + product * s[k];
    }
  }

  /**
   * Writes the gradient summed by {@link #backward}, divided by {@code samples}, into {@code flat}
   * (laid out like the network's weights) and clears it for the next minibatch.
   */
  void moveAverageGradientInto(double[] flat, int samples) {
    for (int v = 0; v < vectors; v++) {
      double[] g = projectedGradient[v];
      for (int k = 0; k < g.length; k++) {
        if (g[k] != 0) { // vectors only valued (next states, candidates) have none
          Matrices.addScaled(gradient.projection[k], g[k], inputs[v]);
        }
      }
    }
    gradient.moveAverageInto(network, flat, samples);
  }
}
