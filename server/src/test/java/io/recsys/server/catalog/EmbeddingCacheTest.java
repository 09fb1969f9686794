package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
  @TempDir Path dir;

  @Test
  void roundTripsVectorsWithTheirTextHashes() throws IOException {
    CatalogSnapshot snapshot = CatalogTestData.randomSnapshot(new Random(3), 20, 8);
    Path file = dir.resolve("embeddings.bin");

    EmbeddingCache.save(file, "model-a", snapshot);
    Map<String, EmbeddingCache.Entry> loaded = EmbeddingCache.load(file, "model-a", 8);

    assertThat(loaded).hasSize(20);
    assertThat(loaded.get("item-7").vector()).containsExactly(snapshot.embedding(7));
    assertThat(loaded.get("item-7").textHash())
        .isEqualTo(EmbeddingCache.textHash(snapshot.item(7).embeddingText()));
  }

  @Test
  void anotherModelsCacheIsNotUsed() throws IOException {
    Path file = dir.resolve("embeddings.bin");
    EmbeddingCache.save(file, "model-a", CatalogTestData.randomSnapshot(new Random(3), 5, 8));

    assertThat(EmbeddingCache.load(file, "model-b", 8)).isEmpty();
    assertThat(EmbeddingCache.load(file, "model-a", 16)).isEmpty();
  }

  @Test
  void aDamagedCacheIsIgnored() throws IOException {
    Path file = dir.resolve("embeddings.bin");
    EmbeddingCache.save(file, "model-a", CatalogTestData.randomSnapshot(new Random(3), 5, 8));
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      raw.seek(raw.length() / 2);
      raw.write(raw.read() ^ 0x40);
    }

    assertThat(EmbeddingCache.load(file, "model-a", 8)).isEmpty();
    assertThat(EmbeddingCache.load(dir.resolve("missing.bin"), "model-a", 8)).isEmpty();
  }
}
