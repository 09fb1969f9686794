package io.recsys.server.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Catalogs made up for tests. */
public final class CatalogTestData {
  private CatalogTestData() {}

  /** {@code items} items with random unit vectors and random popularity, catalog version 1. */
  public static CatalogSnapshot randomSnapshot(Random random, int items, int dimension) {
    List<CatalogItem> catalog = new ArrayList<>(items);
    float[] embeddings = new float[items * dimension];
    for (int row = 0; row < items; row++) {
      catalog.add(
          new CatalogItem(
              "item-" + row,
              "Item " + row,
              "",
              Map.of(CatalogItem.POPULARITY, Integer.toString(random.nextInt(1_000_000)))));
      double norm = 0;
      for (int d = 0; d < dimension; d++) {
        float value = (float) random.nextGaussian();
        embeddings[row * dimension + d] = value;
        norm += value * value;
      }
      for (int d = 0; d < dimension; d++) {
        embeddings[row * dimension + d] /= (float) Math.sqrt(norm);
      }
    }
    return new CatalogSnapshot(1, catalog, embeddings, dimension);
  }
}
