package io.recsys.loadtest;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A catalog of random unit vectors, for benchmarks that need no language model. */
public final class BenchCatalog {
  private BenchCatalog() {}

  /** {@code items} items with random unit vectors of {@code dimension}. */
  public static CatalogSnapshot random(int items, int dimension, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<CatalogItem> catalog = new ArrayList<>(items);
    float[] vectors = new float[items * dimension];
    for (int i = 0; i < items; i++) {
      catalog.add(new CatalogItem("item-" + i, "Item " + i, "", Map.of()));
      double norm = 0;
      for (int d = 0; d < dimension; d++) {
        float v = (float) (random.nextDouble() - 0.5);
        vectors[i * dimension + d] = v;
        norm += v * v;
      }
      for (int d = 0; d < dimension; d++) {
        vectors[i * dimension + d] /= (float) Math.sqrt(norm);
      }
    }
    return CatalogSnapshot.of(catalog, vectors, dimension);
  }
}
