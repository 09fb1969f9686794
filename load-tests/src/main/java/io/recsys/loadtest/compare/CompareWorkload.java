package io.recsys.loadtest.compare;

import io.recsys.loadtest.BenchCatalog;
import io.recsys.loadtest.load.LoadGenerator;
import io.recsys.server.catalog.CatalogSnapshot;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code compare}'s generated workload: random unit item and user vectors, in memory for the bare
 * phases and as the files the server reads (a vector catalog and a user vectors file).
 */
record CompareWorkload(CatalogSnapshot catalog, float[] userVectors, int dim, Path directory, Path catalogFile, Path userVectorsFile) {
  static CompareWorkload generate(int items, int dim, int users, long seed, Path directory) throws IOException {
    CatalogSnapshot catalog = BenchCatalog.random(items, dim, seed);
    float[] userVectors = BenchCatalog.random(users, dim, seed + 1).embeddingMatrix();
    Path catalogFile = directory.resolve("catalog.csv");
    try (var writer = Files.newBufferedWriter(catalogFile)) {
      writer.write("item_id,title,popularity,embedding\n");
      float[] vectors = catalog.embeddingMatrix();
      for (int row = 0; row < items; row++) {
        writer.write(catalog.item(row).id() + "," + catalog.item(row).title() + "," + (row % 97) + ",");
        writeVector(writer, vectors, row * dim, dim, ' ');
        writer.write('\n');
      }
    }
    Path userVectorsFile = directory.resolve("users.csv");
    try (var writer = Files.newBufferedWriter(userVectorsFile)) {
      for (int user = 0; user < users; user++) {
        writer.write(LoadGenerator.USER_PREFIX + user + ",");
        writeVector(writer, userVectors, user * dim, dim, ',');
        writer.write('\n');
      }
    }
    return new CompareWorkload(catalog, userVectors, dim, directory, catalogFile, userVectorsFile);
  }

  private static void writeVector(Writer writer, float[] values, int offset, int dim, char separator)
      throws IOException {
    for (int d = 0; d < dim; d++) {
      if (d > 0) {
        writer.write(separator);
      }
      writer.write(Float.toString(values[offset + d]));
    }
  }

  /** Copies the next {@code batch} users' vectors (round robin) into {@code states}. */
  int fillStates(float[] states, int batch, int next) {
    int users = userVectors.length / dim;
    for (int i = 0; i < batch; i++) {
      System.arraycopy(userVectors, ((next + i) % users) * dim, states, i * dim, dim);
    }
    return (next + batch) % users;
  }
}
