package io.recsys.server.learning;

/** d(loss)/d(weights) of a {@link QNetwork}, summed over a minibatch in row arrays. */
final class QGradient {
  final double[][] projection;
  final double[][] w1;
  final double[] b1;
  final double[][] w2;
  final double[] b2;
  final double[] w3;
  double b3;

  QGradient(QNetwork network) {
    int p = network.projection();
    projection = new double[p][network.dimension()];
    w1 = new double[network.hidden1()][3 * p];
    b1 = new double[network.hidden1()];
    w2 = new double[network.hidden2()][network.hidden1()];
    b2 = new double[network.hidden2()];
    w3 = new double[network.hidden2()];
  }

  /** Writes the sum divided by {@code samples} into the flat layout of {@code network}, and clears the sum. */
  void moveAverageInto(QNetwork network, double[] flat, int samples) {
    Matrices.moveDivided(projection, samples, flat, network.p());
    Matrices.moveDivided(w1, samples, flat, network.w1());
    Matrices.moveDivided(b1, samples, flat, network.b1());
    Matrices.moveDivided(w2, samples, flat, network.w2());
    Matrices.moveDivided(b2, samples, flat, network.b2());
    Matrices.moveDivided(w3, samples, flat, network.w3());
    flat[network.b3()] = b3 / samples;
    b3 = 0;
  }
}
