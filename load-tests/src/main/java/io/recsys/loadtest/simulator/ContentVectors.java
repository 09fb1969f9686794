package io.recsys.loadtest.simulator;

import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.model.MiniLmEmbedder;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.storage.DataDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The content vectors the server itself scores with (the items' own, or MiniLM's of their text),
 * for baselines that use content: what any server could know, nothing of the hidden truth.
 * {@code embeddingCache} is where they are cached for the next run.
 */
record ContentVectors(float[] matrix, int dimension, Path embeddingCache) {
  /**
   * Opens the catalog like a server would, in a scratch data dir; {@code embeddingCache} (a
   * server's {@code embeddings.bin}), if present, spares embedding a text catalog again.
   */
  static ContentVectors of(List<CatalogItem> items, Path embeddingCache) throws IOException {
    Path scratch = Files.createTempDirectory("recsys-sim-content-");
    if (embeddingCache != null && Files.exists(embeddingCache)) {
      Files.copy(embeddingCache, DataDirectory.embeddingCacheOf(scratch));
    }
    OnnxRuntime runtime = new OnnxRuntime(OnnxRuntime.Device.CPU, Runtime.getRuntime().availableProcessors());
    MiniLmEmbedder[] loaded = new MiniLmEmbedder[1];
    try (DataDirectory dataDir = DataDirectory.open(scratch);
        Catalog catalog = Catalog.open(items, dataDir, () -> loaded[0] = MiniLmEmbedder.load(runtime))) {
      CatalogSnapshot snapshot = catalog.current();
      for (int row = 0; row < items.size(); row++) {
        if (!snapshot.item(row).id().equals(items.get(row).id())) {
          throw new IllegalStateException("catalog order differs from the file's at row " + row);
        }
      }
      return new ContentVectors(snapshot.embeddingMatrix().clone(), snapshot.dimension(), DataDirectory.embeddingCacheOf(scratch));
    } finally {
      if (loaded[0] != null) {
        loaded[0].close();
      }
    }
  }

  /** The mean cosine similarity over all pairs of the items (rows) of one list. */
  double intraListSimilarity(List<Integer> items) {
    double sum = 0;
    int pairs = 0;
    for (int a = 0; a < items.size(); a++) {
      for (int b = a + 1; b < items.size(); b++) {
        sum += cosine(items.get(a), items.get(b));
        pairs++;
      }
    }
    return pairs == 0 ? 0 : sum / pairs;
  }

  private double cosine(int a, int b) {
    double dot = 0;
    double normA = 0;
    double normB = 0;
    for (int d = 0; d < dimension; d++) {
      float x = matrix[a * dimension + d];
      float y = matrix[b * dimension + d];
      dot += x * y;
      normA += x * x;
      normB += y * y;
    }
    return normA == 0 || normB == 0 ? 0 : dot / Math.sqrt(normA * normB);
  }
}
