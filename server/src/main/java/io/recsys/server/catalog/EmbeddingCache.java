package io.recsys.server.catalog;

import com.google.common.hash.Hashing;
import io.recsys.server.storage.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
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
    try (CheckedInputStream checked =
            new CheckedInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), new CRC32C());
        DataInputStream in = new DataInputStream(checked)) {
      if (in.readLong() != MAGIC || in.readInt() != FORMAT) {
        log.warn("{} is not an embedding cache; embedding again", file);
        return Map.of();
      }
      String storedModel = in.readUTF();
      int storedDimension = in.readInt();
      if (!storedModel.equals(modelId) || storedDimension != dimension) {
        log.info("{} holds {} ({}-d), not {}; embedding again", file, storedModel, storedDimension, modelId);
        return Map.of();
      }
      int count = in.readInt();
      Map<String, Entry> entries = new HashMap<>(count * 2);
      for (int i = 0; i < count; i++) {
        String id = in.readUTF();
        long hash = in.readLong();
        float[] vector = new float[dimension];
        for (int d = 0; d < dimension; d++) {
          vector[d] = in.readFloat();
        }
        entries.put(id, new Entry(hash, vector));
      }
      int expected = (int) checked.getChecksum().getValue();
      if (in.readInt() != expected || in.read() != -1) {
        log.warn("{} fails its checksum; embedding again", file);
        return Map.of();
      }
      return entries;
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (EOFException e) {
      log.warn("{} is truncated; embedding again", file);
      return Map.of();
    } catch (IOException e) {
      log.warn("{} cannot be read ({}); embedding again", file, e.toString());
      return Map.of();
    }
  }

  /** Replaces the cache with the embeddings of {@code snapshot}, atomically. */
  static void save(Path file, String modelId, CatalogSnapshot snapshot) throws IOException {
    AtomicFiles.write(
        file,
        out -> {
          CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32C());
          DataOutputStream data = new DataOutputStream(checked);
          data.writeLong(MAGIC);
          data.writeInt(FORMAT);
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
          data.flush();
          data.writeInt((int) checked.getChecksum().getValue());
          data.flush();
        });
  }
}
