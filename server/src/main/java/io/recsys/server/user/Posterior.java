package io.recsys.server.user;

import java.util.Arrays;

/**
 * One user's ridge posterior over the learned item space: the discounted Gram matrix {@code
 * sum w z z'} of what they were shown and its moments {@code sum t z}, nothing else (the mean and
 * the confidence widths follow from one Cholesky factorisation, see {@link #fit}). Immutable: an
 * observation makes a new one, so serving reads a user's posterior without locks.
 *
 * <p>Memory: the Gram matrix is symmetric and stored as its packed upper triangle, so a posterior
 * over {@code d} dimensions holds {@code d (d + 1) / 2 + 2 d} doubles (with the latest list's
 * estimate): 3,000 bytes for the default {@code d = 25}.
 */
public final class Posterior {
  private final int dimension;
  /** Upper triangle, row by row: (0,0) (0,1) ... (0,d-1) (1,1) ... */
  private final double[] gram;
  private final double[] moments;
  /** The mean fitted when the user's last list was learned from; null before. Shared, read-only. */
  private final double[] listMean;

  private Posterior(int dimension, double[] gram, double[] moments, double[] listMean) {
    this.dimension = dimension;
    this.gram = gram;
    this.moments = moments;
    this.listMean = listMean;
  }

  /** Nothing observed yet: the fit is the prior. */
  public static Posterior empty(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("a posterior needs at least one dimension, got " + dimension);
    }
    return new Posterior(dimension, new double[Ridge.packedSize(dimension)], new double[dimension], null);
  }

  /** Bytes one posterior of {@code dimension} holds in its arrays (the documented per-user cost). */
  public static long bytesFor(int dimension) {
    return (long) (Ridge.packedSize(dimension) + 2 * dimension) * Double.BYTES;
  }

  public int dimension() {
    return dimension;
  }

  /**
   * Weighs everything observed so far by {@code discount} (1: no forgetting), then adds one
   * observation: {@code weight z z'} to the Gram matrix and {@code target z} to the moments. For a
   * label y seen with weight w, the target is {@code w y}; a later correction of the same
   * observation (a reaction to an item already counted as shown) passes discount 1.
   */
  public Posterior observe(double[] z, double weight, double target, double discount) {
    if (z.length != dimension) {
      throw new IllegalArgumentException("expected " + dimension + " features, got " + z.length);
    }
    double[] nextGram = new double[gram.length];
    double[] nextMoments = new double[dimension];
    int k = 0;
    for (int i = 0; i < dimension; i++) {
      nextMoments[i] = discount * moments[i] + target * z[i];
      double wz = weight * z[i];
      for (int j = i; j < dimension; j++, k++) {
        nextGram[k] = discount * gram[k] + wz * z[j];
      }
    }
    return new Posterior(dimension, nextGram, nextMoments, listMean);
  }

  /**
   * The same observations, remembering {@code mean} as the estimate fitted for the user's latest
   * list: reactions to it are learned with that estimate instead of a fresh factorisation each
   * (the fit is most of a reaction's cost, and the estimate moves little within one list).
   */
  public Posterior withListMean(double[] mean) {
    return new Posterior(dimension, gram, moments, mean);
  }

  /** The estimate fitted for the user's latest list, or null before their first. */
  public double[] listMean() {
    return listMean;
  }

  /** The Gram matrix, full {@code d x d} row-major (a copy). */
  public double[] gram() {
    return Ridge.unpackSymmetric(gram, dimension);
  }

  public double[] moments() {
    return Arrays.copyOf(moments, dimension);
  }

  /**
   * The ridge estimate shrunk toward {@code priorMean} with strength {@code ridge}: mean {@code (G
   * + ridge I)^-1 (ridge prior + m)}, and the Cholesky factor of that precision for confidence
   * widths ({@link Ridge#inverseQuadratic}).
   */
  public Ridge.Fit fit(double[] priorMean, double ridge) {
    return Ridge.shrunkToward(priorMean, gram(), moments, ridge, dimension);
  }
}
