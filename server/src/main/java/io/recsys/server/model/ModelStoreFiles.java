package io.recsys.server.model;

import io.recsys.server.storage.AtomicFiles;
import io.recsys.server.storage.ChecksummedFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * The two files of a model store that serving reads: a version's weights ({@code <version>.qnet},
 * checksummed) and the pointer to the live version ({@code live-version}, replaced atomically).
 * The trainer writes them (learning's {@code ModelStore}); a replica that follows the store reads
 * them. Weights are always written before the pointer names them, so a reader that sees a pointer
 * finds its weights.
 */
public final class ModelStoreFiles {
  private static final long MAGIC = 0x5245435359514e54L; // "RECSYQNT"
  private static final int FORMAT = 2; // 2: the projection layer
  static final String LIVE_POINTER = "live-version";

  private ModelStoreFiles() {}

  /** The weights file of {@code version} in the store at {@code directory}. */
  public static Path weightsFile(Path directory, String version) {
    if (!version.matches("v[0-9]+")) {
      throw new IllegalArgumentException("not a version name: '" + version + "'");
    }
    return directory.resolve(version + ".qnet");
  }

  public static void writeWeights(Path file, QNetworkWeights weights) throws IOException {
    ChecksummedFiles.write(
        file,
        MAGIC,
        FORMAT,
        data -> {
          data.writeInt(weights.dimension());
          data.writeInt(weights.projection());
          data.writeInt(weights.hidden1());
          data.writeInt(weights.hidden2());
          double[] values = weights.values();
          data.writeInt(values.length);
          for (double value : values) {
            data.writeDouble(value);
          }
        });
  }

  /** @throws IOException naming the problem if the file is missing, truncated, damaged or foreign */
  public static QNetworkWeights readWeights(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException(file + " does not exist");
    }
    return ChecksummedFiles.read(
        file,
        MAGIC,
        FORMAT,
        "a recsys Q-network weights file",
        in -> {
          int dimension = in.readInt();
          int projection = in.readInt();
          int hidden1 = in.readInt();
          int hidden2 = in.readInt();
          int count = in.readInt();
          if (dimension < 1 || projection < 1 || hidden1 < 1 || hidden2 < 1
              || count != QNetworkWeights.parameterCount(dimension, projection, hidden1, hidden2)) {
            throw new IOException(file + " has an inconsistent header");
          }
          double[] values = new double[count];
          for (int i = 0; i < count; i++) {
            values[i] = in.readDouble();
          }
          return new QNetworkWeights(dimension, projection, hidden1, hidden2, values);
        });
  }

  /** Points the store at {@code live}: written to a temporary file, then renamed over the old pointer. */
  public static void writeLivePointer(Path directory, ModelVersionInfo live) throws IOException {
    Properties pointer = new Properties();
    pointer.setProperty("version", live.version());
    pointer.setProperty("created-at", live.createdAt().toString());
    pointer.setProperty("description", live.description());
    StringWriter text = new StringWriter();
    pointer.store(text, "the live model version of this store; replaced atomically by the trainer");
    AtomicFiles.writeString(directory.resolve(LIVE_POINTER), text.toString());
  }

  /** The live version the store's pointer names; empty if there is no pointer yet. */
  public static Optional<ModelVersionInfo> readLivePointer(Path directory) throws IOException {
    String text;
    try {
      text = Files.readString(directory.resolve(LIVE_POINTER), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Properties pointer = new Properties();
    try (Reader reader = new StringReader(text)) {
      pointer.load(reader);
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new IOException(directory.resolve(LIVE_POINTER) + " is not a live-version pointer: " + e.getMessage(), e);
    }
    String version = pointer.getProperty("version");
    String createdAt = pointer.getProperty("created-at");
    if (version == null || !version.matches("v[0-9]+") || createdAt == null) {
      throw new IOException(directory.resolve(LIVE_POINTER) + " names no version");
    }
    try {
      return Optional.of(
          new ModelVersionInfo(version, ModelVersionInfo.State.LIVE, Instant.parse(createdAt), pointer.getProperty("description", "")));
    } catch (java.time.format.DateTimeParseException e) {
      throw new IOException(directory.resolve(LIVE_POINTER) + " has a bad created-at: " + createdAt, e);
    }
  }
}
