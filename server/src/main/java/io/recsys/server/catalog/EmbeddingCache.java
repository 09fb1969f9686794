package io.recsys.server.catalog;

import com.google.common.hash.Hashing;
import io.recsys.server.storage.ChecksummedFiles;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content embeddings kept in the data dir so a restart does not run the language model again.
 * Each vector is stored with a hash of the text it came from and is reused only for the same
 * item, text and model. The file ends with a CRC32C; a damaged or foreign file is ignored (the
 * items are embedded again), never trusted.
 */
final class EmbeddingCache {
  private static final Logger log = LoggerFactory.getLogger(EmbeddingCache.class);
  private static final long MAGIC = 0x5245435359454d42L; // "RECSYEMB"
  private static final int FORMAT = 1;

  record Entry(long textHash, float[] vector) {}

  private EmbeddingCache() {}

  static long textHash(String text) {
    return Hashing.murmur3_128().hashString(text, StandardCharsets.UTF_8).asLong();
  }

  /** Cached vectors by item id; empty when there is no usable cache for this model. */
  static Map<String, Entry> load(Path file, String modelId, int dimension) {
    Cache cache;
    try {
      cache = ChecksummedFiles.read(file, MAGIC, FORMAT, "an embedding cache", EmbeddingCache::readBody);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      log.warn("{}; embedding again", e.getMessage());
      return Map.of();
    }
    if (!cache.modelId().equals(modelId) || cache.dimension() != dimension) {
      log.info("{} holds {} ({}-d), not {}; embedding again", file, cache.modelId(), cache.dimension(), modelId);
      return Map.of();
    }
    return cache.entries();
  }

  private record Cache(String modelId, int dimension, Map<String, Entry> entries) {}

  private static Cache readBody(DataInputStream in) throws IOException {
    String modelId = in.readUTF();
    int dimension = in.readInt();
    int count = in.readInt();
    if (dimension < 1 || count < 0) {
      throw new IOException("the embedding cache has an inconsistent header");
    }
    Map<String, Entry> entries = new HashMap<>(Math.min(count, 1 << 20) * 2); // a damaged count must not allocate
    for (int i = 0; i < count; i++) {
      String id = in.readUTF();
      long hash = in.readLong();
      float[] vector = new float[dimension];
      for (int d = 0; d < dimension; d++) {
        vector[d] = in.readFloat();
      }
      entries.put(id, new Entry(hash, vector));
    }
    return new Cache(modelId, dimension, entries);
  }

  /** Replaces the cache with the embeddings of {@code snapshot}, atomically. */
  static void save(Path file, String modelId, CatalogSnapshot snapshot) throws IOException {
    ChecksummedFiles.write(
        file,
        MAGIC,
        FORMAT,
        data -> {
          data.writeUTF(modelId);
          data.writeInt(snapshot.dimension());
          data.writeInt(snapshot.size());
          float[] matrix = snapshot.embeddingMatrix();
          int dimension = snapshot.dimension();
          for (int row = 0; row < snapshot.size(); row++) {
            CatalogItem item = snapshot.item(row);
            data.writeUTF(item.id());
            data.writeLong(textHash(item.embeddingText()));
            for (int d = 0; d < dimension; d++) {
              data.writeFloat(matrix[row * dimension + d]);
            }
          }
        });
  }
}
