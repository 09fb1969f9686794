package io.recsys.server.model;

/**
 * The weights of a Q-network as a plain value: what training hands to serving to export as a
 * graph. Laid out as P [p][d], W1 [h1][3p], b1 [h1], W2 [h2][h1], b2 [h2], w3 [h2], b3 [1] (rows
 * per output unit), for the network {@code MLP([Ps, Px, Ps * Px])} of {@code QNetworkGraph}.
 *
 * @param values copied in and never changed, so one value can be exported while training goes on
 */
public record QNetworkWeights(int dimension, int projection, int hidden1, int hidden2, double[] values) {
  public QNetworkWeights {
    if (dimension < 1 || projection < 1 || hidden1 < 1 || hidden2 < 1) {
      throw new IllegalArgumentException("layer sizes must be >= 1");
    }
    int expected = parameterCount(dimension, projection, hidden1, hidden2);
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "a " + dimension + " -> " + projection + " -> " + hidden1 + " -> " + hidden2 + " network has " + expected
              + " weights, got " + values.length);
    }
    values = values.clone();
  }

  public static int parameterCount(int dimension, int projection, int hidden1, int hidden2) {
    return projection * dimension + hidden1 * 3 * projection + hidden1 + hidden2 * hidden1 + hidden2 + hidden2 + 1;
  }

  /** The weights, shared: do not change them. */
  @Override
  public double[] values() {
    return values;
  }
}
