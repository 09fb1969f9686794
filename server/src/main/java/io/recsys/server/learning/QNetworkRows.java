package io.recsys.server.learning;

/**
 * A {@link QNetwork}'s weights as row arrays, each layer both ways round: the forward pass adds
 * scaled input columns ({@code projectionT}, {@code w1T}, {@code w2T}) and the backward pass
 * scaled rows ({@code w1}, {@code w2}), so every inner loop runs over one contiguous row.
 */
final class QNetworkRows {
  final double[][] projectionT;
  final double[][] w1;
  final double[][] w1T;
  final double[] b1;
  final double[][] w2;
  final double[][] w2T;
  final double[] b2;
  final double[] w3;
  double b3;

  QNetworkRows(QNetwork network) {
    int p = network.projection();
    int h1 = network.hidden1();
    int h2 = network.hidden2();
    projectionT = new double[network.dimension()][p];
    w1 = new double[h1][3 * p];
    w1T = new double[3 * p][h1];
    b1 = new double[h1];
    w2 = new double[h2][h1];
    w2T = new double[h1][h2];
    b2 = new double[h2];
    w3 = new double[h2];
  }

  /** Takes the network's current weights (they change every training step). */
  void copyFrom(QNetwork network) {
    double[] w = network.weights();
    Matrices.copyTransposed(w, network.p(), projectionT);
    Matrices.copyRows(w, network.w1(), w1);
    Matrices.copyTransposed(w, network.w1(), w1T);
    System.arraycopy(w, network.b1(), b1, 0, b1.length);
    Matrices.copyRows(w, network.w2(), w2);
    Matrices.copyTransposed(w, network.w2(), w2T);
    System.arraycopy(w, network.b2(), b2, 0, b2.length);
    System.arraycopy(w, network.w3(), w3, 0, w3.length);
    b3 = w[network.b3()];
  }
}
