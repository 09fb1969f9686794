package io.recsys.server.model;

import io.recsys.server.catalog.CatalogSnapshot;

/**
 * The learned side of every item, frozen for one retrieval session: a feature row {@code z} per
 * catalog row (what users' posteriors are over) and an additive bias. Retrieval scores {@code
 * [content state, posterior mean] . [content embedding, z] + bias}; the same rows give each
 * candidate's confidence width. Immutable; the learner publishes a new one at a cadence.
 */
public final class ItemSpace {
  private final int dimension;
  private final int rows;
  private final float[] features;
  private final float[] bias;

  /**
   * @param features row-major {@code [rows, dimension]}
   * @param bias one per row
   */
  public ItemSpace(int dimension, float[] features, float[] bias) {
    if (dimension < 0 || features.length != bias.length * dimension) {
      throw new IllegalArgumentException(
          "expected " + bias.length + " x " + dimension + " item features, got " + features.length);
    }
    this.dimension = dimension;
    this.rows = bias.length;
    this.features = features;
    this.bias = bias;
  }

  /** No learned features: content embeddings alone, the popularity prior times {@code weight} as bias. */
  public static ItemSpace contentOnly(CatalogSnapshot catalog, float popularityWeight) {
    float[] bias = catalog.popularityPrior().clone();
    for (int i = 0; i < bias.length; i++) {
      bias[i] *= popularityWeight;
    }
    return new ItemSpace(0, new float[0], bias);
  }

  /** Learned features per item; 0 when only content is served. */
  public int dimension() {
    return dimension;
  }

  public int rows() {
    return rows;
  }

  /** Copies row {@code row}'s features into {@code target} (length at least {@link #dimension()}). */
  public double[] featuresOf(int row, double[] target) {
    for (int f = 0; f < dimension; f++) {
      target[f] = features[row * dimension + f];
    }
    return target;
  }

  public float bias(int row) {
    return bias[row];
  }

  /** Row-major {@code [rows, dimension]}; shared, do not modify. */
  float[] featureMatrix() {
    return features;
  }

  /** One per row; shared, do not modify. */
  float[] biasVector() {
    return bias;
  }
}
