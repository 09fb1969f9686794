package io.recsys.server.learning;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.model.ItemSpaceSource;
import io.recsys.server.storage.SnapshotPart;
import io.recsys.server.storage.snapshot.ItemEntry;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Every item's learned parameters: its features {@code z = [P x, q, 1]}, where {@code P x} is its
 * content embedding through a fixed seeded Gaussian projection, scaled to unit length (so a
 * brand-new item has a place in the space before anyone reacted to it), and {@code q} a learned
 * vector, plus a learned bias.
 * {@code q} and the bias move by SGD with every observation of the item (see {@link
 * OnlineLearner}); the bias starts at the popularity prior times its weight.
 *
 * <p>One writer (the feedback effects thread) updates; a new retrieval session reads a frozen
 * copy ({@link #spaceFor}). Both hold the instance's monitor, so a copy is never half an update.
 * Rows follow the catalog's (an upsert replaces in place or appends), so the table only grows.
 * {@code q} starts from a seed of the item's id, not its row, so a rebuild from the log is exact.
 */
public final class ItemParameters implements ItemSpaceSource {
  private static final double INITIAL_FACTOR_NORM = 0.1;
  private static final String UPDATES_COUNTER = "item-parameter-updates";
  /** Bound of an item vector's norm (and of each user weight an item step uses). */
  private static final double MAX_FACTOR_NORM = 2;

  private final OnlineLearningSettings settings;
  private final float popularityWeight;
  private final long seed;
  private final int contentDims;
  private final int factors;
  private final int dimension;
  private float[][] projection;
  private double[] factorTable = new double[0];
  private double[] bias = new double[0];
  private int rows;
  private CatalogSnapshot projectedFor;
  private float[] projected = new float[0];
  private long updates;

  public ItemParameters(OnlineLearningSettings settings, float popularityWeight, long seed) {
    this.settings = settings;
    this.popularityWeight = popularityWeight;
    this.seed = seed;
    this.contentDims = settings.contentDimensions();
    this.factors = settings.factors();
    this.dimension = settings.dimension();
  }

  public int dimension() {
    return dimension;
  }

  /** Observations applied so far: a rebuild is due when it moved since the last one. */
  public synchronized long updates() {
    return updates;
  }

  /** Fills {@code z} with row {@code row}'s features under {@code catalog}; returns it. */
  public synchronized double[] features(CatalogSnapshot catalog, int row, double[] z) {
    cover(catalog);
    for (int p = 0; p < contentDims; p++) {
      z[p] = projected[row * contentDims + p];
    }
    System.arraycopy(factorTable, row * factors, z, contentDims, factors);
    z[dimension - 1] = 1;
    return z;
  }

  public synchronized double bias(CatalogSnapshot catalog, int row) {
    cover(catalog);
    return bias[row];
  }

  /**
   * One SGD step on row {@code row} for a prediction error {@code error} (observed minus
   * predicted) made with user vector {@code theta}, weighted by {@code weight}.
   */
  public synchronized void step(CatalogSnapshot catalog, int row, double error, double weight, double[] theta) {
    cover(catalog);
    // Labels are in [0, 1], so a larger error is the model's own runaway, not evidence: clipped,
    // and the vector and bias kept in a ball, so a user who clicks one item a thousand times
    // (each a new list) cannot drive the item and themselves to infinity together.
    double clipped = Math.max(-1, Math.min(1, error));
    int offset = row * factors;
    double norm = 0;
    for (int f = 0; f < factors; f++) {
      double q = factorTable[offset + f];
      double next = q + settings.factorRate() * weight * (clipped * clamp(theta[contentDims + f]) - settings.factorDecay() * q);
      factorTable[offset + f] = next;
      norm += next * next;
    }
    if (norm > MAX_FACTOR_NORM * MAX_FACTOR_NORM) {
      double scale = MAX_FACTOR_NORM / Math.sqrt(norm);
      for (int f = 0; f < factors; f++) {
        factorTable[offset + f] *= scale;
      }
    }
    bias[row] = Math.max(-1, Math.min(1, bias[row] + settings.biasRate() * weight * clipped));
    updates++;
  }

  /**
   * Every item's learned vector and bias so far, by item id, and the update count: a copy taken
   * under the monitor, written out later by the returned part (for a snapshot).
   */
  public synchronized SnapshotPart.Saved save() {
    if (projectedFor == null) {
      long none = updates;
      return out -> out.accept(SnapshotPart.counter(UPDATES_COUNTER, none));
    }
    CatalogSnapshot catalog = projectedFor;
    int savedRows = rows;
    double[] savedFactors = Arrays.copyOf(factorTable, savedRows * factors);
    double[] savedBias = Arrays.copyOf(bias, savedRows);
    long savedUpdates = updates;
    return out -> {
      for (int row = 0; row < savedRows && row < catalog.size(); row++) {
        ItemEntry.Builder item = ItemEntry.newBuilder().setItemId(catalog.item(row).id()).setBias(savedBias[row]);
        for (int f = 0; f < factors; f++) {
          item.addFactors(savedFactors[row * factors + f]);
        }
        out.accept(SnapshotEntry.newBuilder().setItem(item).build());
      }
      out.accept(SnapshotPart.counter(UPDATES_COUNTER, savedUpdates));
    };
  }

  /** This table as a part of snapshots; restored items land in their rows under {@code catalog}'s current snapshot. */
  public SnapshotPart snapshotPart(Supplier<CatalogSnapshot> catalog) {
    return new SnapshotPart() {
      @Override
      public Saved capture() {
        return save();
      }

      @Override
      public boolean restore(SnapshotEntry entry) {
        return ItemParameters.this.restore(catalog.get(), entry);
      }
    };
  }

  /**
   * Takes back one item (or the update count) that {@link #save} saved, into its row under
   * {@code catalog}; an item no longer in the catalog, or of another shape, is left out. Returns
   * false for an entry that is not the items'.
   */
  public synchronized boolean restore(CatalogSnapshot catalog, SnapshotEntry entry) {
    if (entry.hasCounter() && entry.getCounter().getName().equals(UPDATES_COUNTER)) {
      updates = entry.getCounter().getValue();
      return true;
    }
    if (!entry.hasItem()) {
      return false;
    }
    cover(catalog);
    ItemEntry item = entry.getItem();
    int row = catalog.rowOf(item.getItemId());
    if (row >= 0 && row < rows && item.getFactorsCount() == factors) {
      for (int f = 0; f < factors; f++) {
        factorTable[row * factors + f] = item.getFactors(f);
      }
      bias[row] = item.getBias();
    }
    return true;
  }

  private static double clamp(double value) {
    return Double.isFinite(value) ? Math.max(-MAX_FACTOR_NORM, Math.min(MAX_FACTOR_NORM, value)) : 0;
  }

  @Override
  public synchronized ItemSpace spaceFor(CatalogSnapshot catalog) {
    cover(catalog);
    int n = catalog.size();
    float[] features = new float[n * dimension];
    float[] biases = new float[n];
    double[] z = new double[dimension];
    for (int row = 0; row < n; row++) {
      features(catalog, row, z);
      for (int f = 0; f < dimension; f++) {
        features[row * dimension + f] = (float) z[f];
      }
      biases[row] = (float) bias[row];
    }
    return new ItemSpace(dimension, features, biases);
  }

  /** Grows the table to the catalog's rows and projects its content (again, when it changed). */
  private void cover(CatalogSnapshot catalog) {
    if (catalog == projectedFor) {
      return;
    }
    if (projection == null) {
      projection = gaussianProjection(contentDims, catalog.dimension(), seed);
    }
    projected = project(catalog);
    projectedFor = catalog;
    int n = catalog.size();
    if (n > rows) {
      factorTable = Arrays.copyOf(factorTable, n * factors);
      bias = Arrays.copyOf(bias, n);
      for (int row = rows; row < n; row++) {
        initialise(catalog, row);
      }
      rows = n;
    }
  }

  private void initialise(CatalogSnapshot catalog, int row) {
    // Random, or every item's q would stay where the first gradient (zero) leaves it; of one
    // small norm, so no item starts out more uncertain than another.
    SplittableRandom random = new SplittableRandom(seed ^ catalog.item(row).id().hashCode() * 0x9E3779B97F4A7C15L);
    double norm = 0;
    for (int f = 0; f < factors; f++) {
      double value = gaussian(random);
      factorTable[row * factors + f] = value;
      norm += value * value;
    }
    for (int f = 0; f < factors; f++) {
      factorTable[row * factors + f] *= INITIAL_FACTOR_NORM / Math.sqrt(norm);
    }
    bias[row] = popularityWeight * catalog.popularityPrior()[row];
  }

  private float[] project(CatalogSnapshot catalog) {
    int n = catalog.size();
    int d = catalog.dimension();
    float[] embeddings = catalog.embeddingMatrix();
    float[] out = new float[n * contentDims];
    for (int row = 0; row < n; row++) {
      for (int p = 0; p < contentDims; p++) {
        float[] direction = projection[p];
        double sum = 0;
        for (int j = 0; j < d; j++) {
          sum += direction[j] * embeddings[row * d + j];
        }
        out[row * contentDims + p] = (float) sum;
      }
      normalise(out, row * contentDims, contentDims);
    }
    return out;
  }

  /**
   * Unit length: the projected content is a direction, so before any feedback every item's
   * confidence width under the prior is the same and a cold list follows the means alone.
   */
  private static void normalise(float[] values, int offset, int length) {
    double norm = 0;
    for (int i = offset; i < offset + length; i++) {
      norm += values[i] * values[i];
    }
    if (norm > 0) {
      float scale = (float) (1 / Math.sqrt(norm));
      for (int i = offset; i < offset + length; i++) {
        values[i] *= scale;
      }
    }
  }

  /**
   * A Johnson-Lindenstrauss projection: rows of N(0, 1/k) entries keep inner products of unit
   * content vectors in expectation, so nearby content stays nearby in the learned space.
   */
  static float[][] gaussianProjection(int k, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][] projection = new float[k][d];
    for (float[] row : projection) {
      for (int j = 0; j < d; j++) {
        row[j] = (float) (gaussian(random) / Math.sqrt(k));
      }
    }
    return projection;
  }

  private static double gaussian(SplittableRandom random) {
    double u = 1 - random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
