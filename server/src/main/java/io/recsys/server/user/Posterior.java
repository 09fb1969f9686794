package io.recsys.server.user;

import java.util.Arrays;

/**
 * One user's ridge posterior over the learned item space: the discounted Gram matrix {@code
 * sum w z z'} of what they were shown and its moments {@code sum t z}, nothing else (the mean and
 * the confidence widths follow from one Cholesky factorisation, see {@link #fit}). Immutable: an
 * observation makes a new one, so serving reads a user's posterior without locks.
 *
 * <p>Corrections (observations that discount nothing: the reactions that complete an item of the
 * latest list) are kept aside as a short chain and folded into the matrix with the next
 * discounting observation, or once {@link #MAX_PENDING} have gathered: a reaction then costs one
 * small node instead of a copy of the whole matrix (the effects thread's largest cost per
 * reaction), and the sums are the same, bit for bit, as if each had been added at once.
 *
 * <p>Memory: the Gram matrix is symmetric and stored as its packed upper triangle, so a posterior
 * over {@code d} dimensions holds {@code d (d + 1) / 2 + 2 d} doubles (with the latest list's
 * estimate) and at most {@link #MAX_PENDING} corrections of {@code d + 2} values: 3,000 bytes
 * plus at most 3,600 for the default {@code d = 25}.
 */
public final class Posterior {
  /** Corrections kept aside before they are folded into the matrix. */
  static final int MAX_PENDING = 16;

  private final int dimension;
  /** Upper triangle, row by row: (0,0) (0,1) ... (0,d-1) (1,1) ... */
  private final double[] gram;
  private final double[] moments;
  /** The mean fitted when the user's last list was learned from; null before. Shared, read-only. */
  private final double[] listMean;
  /** Corrections not yet in {@link #gram} and {@link #moments}, newest first; null when none. */
  private final Correction pending;

  /** One observation that discounts nothing, waiting to be folded in. */
  private record Correction(double[] z, double weight, double target, Correction older, int count) {}

  private Posterior(int dimension, double[] gram, double[] moments, double[] listMean, Correction pending) {
    this.dimension = dimension;
    this.gram = gram;
    this.moments = moments;
    this.listMean = listMean;
    this.pending = pending;
  }

  /** Nothing observed yet: the fit is the prior. */
  public static Posterior empty(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("a posterior needs at least one dimension, got " + dimension);
    }
    return new Posterior(dimension, new double[Ridge.packedSize(dimension)], new double[dimension], null, null);
  }

  /** Bytes one posterior of {@code dimension} holds in its arrays, corrections kept aside excluded. */
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
   * observation (a reaction to an item already counted as shown) passes discount 1. The posterior
   * keeps {@code z} (do not modify it afterwards).
   */
  public Posterior observe(double[] z, double weight, double target, double discount) {
    checkFeatures(z);
    if (discount == 1 && (pending == null || pending.count() < MAX_PENDING)) {
      int count = pending == null ? 1 : pending.count() + 1;
      return new Posterior(dimension, gram, moments, listMean, new Correction(z, weight, target, pending, count));
    }
    return observeAll(new double[][] {z}, new double[] {weight}, new double[] {target}, discount);
  }

  /**
   * The same as {@link #observe} once for each {@code i} in order, with one copy of the matrix:
   * a whole list learned at once.
   */
  public Posterior observeAll(double[][] z, double[] weight, double[] target, double discount) {
    if (z.length != weight.length || z.length != target.length) {
      throw new IllegalArgumentException(z.length + " feature rows, " + weight.length + " weights, " + target.length + " targets");
    }
    for (double[] row : z) {
      checkFeatures(row);
    }
    double[] nextGram = gram.clone();
    double[] nextMoments = moments.clone();
    foldPending(nextGram, nextMoments);
    for (int n = 0; n < z.length; n++) {
      add(nextGram, nextMoments, z[n], weight[n], target[n], discount);
    }
    return new Posterior(dimension, nextGram, nextMoments, listMean, null);
  }

  private void checkFeatures(double[] z) {
    if (z.length != dimension) {
      throw new IllegalArgumentException("expected " + dimension + " features, got " + z.length);
    }
  }

  /** Adds the corrections kept aside, oldest first, into copies of the sums. */
  private void foldPending(double[] intoGram, double[] intoMoments) {
    if (pending == null) {
      return;
    }
    Correction[] oldestFirst = new Correction[pending.count()];
    for (Correction c = pending; c != null; c = c.older()) {
      oldestFirst[c.count() - 1] = c;
    }
    for (Correction c : oldestFirst) {
      add(intoGram, intoMoments, c.z(), c.weight(), c.target(), 1);
    }
  }

  private void add(double[] intoGram, double[] intoMoments, double[] z, double weight, double target, double discount) {
    int k = 0;
    for (int i = 0; i < dimension; i++) {
      intoMoments[i] = discount * intoMoments[i] + target * z[i];
      double wz = weight * z[i];
      for (int j = i; j < dimension; j++, k++) {
        intoGram[k] = discount * intoGram[k] + wz * z[j];
      }
    }
  }

  /** Corrections kept aside, not yet folded into the matrix (at most {@link #MAX_PENDING}). */
  int pendingCorrections() {
    return pending == null ? 0 : pending.count();
  }

  /**
   * The same observations, remembering {@code mean} as the estimate fitted for the user's latest
   * list: reactions to it are learned with that estimate instead of a fresh factorisation each
   * (the fit is most of a reaction's cost, and the estimate moves little within one list).
   */
  public Posterior withListMean(double[] mean) {
    return new Posterior(dimension, gram, moments, mean, pending);
  }

  /** The estimate fitted for the user's latest list, or null before their first. */
  public double[] listMean() {
    return listMean;
  }

  /** The Gram matrix's packed upper triangle with every correction folded in (a copy): what a snapshot saves. */
  public double[] packedGram() {
    return folded()[0].clone();
  }

  /**
   * A posterior saved by {@link #packedGram}, {@link #moments} and {@link #listMean}: the same
   * sums, so what it learns next is the same, bit for bit (folding corrections early adds the
   * same terms in the same order).
   */
  public static Posterior restore(int dimension, double[] packedGram, double[] moments, double[] listMean) {
    if (dimension < 1 || packedGram.length != Ridge.packedSize(dimension) || moments.length != dimension
        || (listMean != null && listMean.length != dimension)) {
      throw new IllegalArgumentException("a saved posterior does not have the shape of " + dimension + " dimensions");
    }
    return new Posterior(dimension, packedGram.clone(), moments.clone(), listMean == null ? null : listMean.clone(), null);
  }

  /** The Gram matrix, full {@code d x d} row-major (a copy). */
  public double[] gram() {
    return Ridge.unpackSymmetric(folded()[0], dimension);
  }

  public double[] moments() {
    return Arrays.copyOf(folded()[1], dimension);
  }

  /** The packed Gram matrix and the moments with the corrections folded in (shared when there are none). */
  private double[][] folded() {
    if (pending == null) {
      return new double[][] {gram, moments};
    }
    double[] foldedGram = gram.clone();
    double[] foldedMoments = moments.clone();
    foldPending(foldedGram, foldedMoments);
    return new double[][] {foldedGram, foldedMoments};
  }

  /**
   * The ridge estimate shrunk toward {@code priorMean} with strength {@code ridge}: mean {@code (G
   * + ridge I)^-1 (ridge prior + m)}, and the Cholesky factor of that precision for confidence
   * widths ({@link Ridge#inverseQuadratic}).
   */
  public Ridge.Fit fit(double[] priorMean, double ridge) {
    double[][] sums = folded();
    return Ridge.shrunkToward(priorMean, Ridge.unpackSymmetric(sums[0], dimension), sums[1], ridge, dimension);
  }
}
