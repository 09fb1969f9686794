package io.recsys.server.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** A vector catalog in the documented {@code .jsonl} format: items with random vectors, no language model needed. */
public final class RandomVectorCatalog {
  private RandomVectorCatalog() {}

  /** {@code items} lines with ids {@code prefix0, prefix1, ...} and uniform vectors in [-0.5, 0.5). */
  public static String jsonl(long seed, int items, int dimension, String prefix) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder catalog = new StringBuilder();
    for (int i = 0; i < items; i++) {
      List<String> vector = new ArrayList<>();
      for (int d = 0; d < dimension; d++) {
        vector.add(String.format(Locale.ROOT, "%.4f", random.nextDouble() - 0.5));
      }
      catalog.append(String.format(Locale.ROOT, "{\"item_id\":\"%s%d\",\"title\":\"Item %d\",\"embedding\":[%s]}%n",
          prefix, i, i, String.join(",", vector)));
    }
    return catalog.toString();
  }
}
