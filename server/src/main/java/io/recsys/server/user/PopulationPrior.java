package io.recsys.server.user;

import io.recsys.server.storage.snapshot.PopulationEntry;
import java.util.Arrays;

/**
 * Everyone's observations in one ridge regression: the prior every user's posterior is shrunk
 * toward, so a new user (or one just reset by forgetting) starts from what users in general
 * respond to. One writer (the feedback effects thread) adds observations; the mean readers see is
 * refit every {@link #REFIT_EVERY} observations and published whole, so serving never reads a
 * half-written vector. Refitting by count, not time, keeps a replay of the log exact.
 */
public final class PopulationPrior {
  static final int REFIT_EVERY = 64;

  private final int dimension;
  private final double ridge;
  private final double[] gram;
  private final double[] moments;
  private long observations;
  private volatile double[] mean;

  public PopulationPrior(int dimension, double ridge) {
    this.dimension = dimension;
    this.ridge = ridge;
    this.gram = new double[Ridge.packedSize(dimension)]; // packed upper triangle, as Posterior's
    this.moments = new double[dimension];
    this.mean = new double[dimension];
  }

  public int dimension() {
    return dimension;
  }

  /** Adds {@code weight z z'} and {@code target z}. Single writer only. */
  public void observe(double[] z, double weight, double target) {
    int k = 0;
    for (int i = 0; i < dimension; i++) {
      moments[i] += target * z[i];
      double wz = weight * z[i];
      for (int j = i; j < dimension; j++, k++) {
        gram[k] += wz * z[j];
      }
    }
    if (++observations % REFIT_EVERY == 0) {
      refit();
    }
  }

  /** Refits the published mean now. Single writer only. */
  public void refit() {
    mean = Ridge.solve(Ridge.withRidge(Ridge.unpackSymmetric(gram, dimension), ridge, dimension), moments, dimension);
  }

  /** The latest published mean; shared, do not modify. */
  public double[] mean() {
    return mean;
  }

  public long observations() {
    return observations;
  }

  /** Everything observed so far and the published mean, copied: what a snapshot saves. Single writer only. */
  public PopulationEntry save() {
    PopulationEntry.Builder entry = PopulationEntry.newBuilder().setObservations(observations);
    Arrays.stream(gram).forEach(entry::addPackedGram);
    Arrays.stream(moments).forEach(entry::addMoments);
    Arrays.stream(mean).forEach(entry::addMean);
    return entry.build();
  }

  /** Back to what {@link #save} saved; before any observation. */
  public void restore(PopulationEntry saved) {
    if (saved.getPackedGramCount() != gram.length || saved.getMomentsCount() != dimension || saved.getMeanCount() != dimension) {
      throw new IllegalArgumentException("the saved population prior does not have " + dimension + " dimensions");
    }
    for (int i = 0; i < gram.length; i++) {
      gram[i] = saved.getPackedGram(i);
    }
    double[] restoredMean = new double[dimension];
    for (int i = 0; i < dimension; i++) {
      moments[i] = saved.getMoments(i);
      restoredMean[i] = saved.getMean(i);
    }
    observations = saved.getObservations();
    mean = restoredMean;
  }
}
