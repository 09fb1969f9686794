package io.recsys.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The server's data dir, locked for the life of the process so two servers never write the same
 * logs (a second server on the same dir fails at start with a clear message). This class is the
 * one place that names its layout:
 *
 * <ul>
 *   <li>{@code feedback-log/}: segments of the durable feedback log ({@code feedback.SegmentedFeedbackLog});
 *   <li>{@code snapshots/}: the feedback loop's state as of a log position ({@code storage.SnapshotFiles});
 *   <li>{@code models/}: Q-network weights and the version history ({@code learning.ModelStore});
 *   <li>{@code catalog-upserts.log}: every committed upsert ({@code catalog.Catalog});
 *   <li>{@code embeddings.bin}: the text catalog's cached item vectors ({@code catalog.EmbeddingCache});
 *   <li>{@code vector-space}: which kind of catalog the state belongs to; {@code .lock}.
 * </ul>
 *
 * <p>The static {@code ...Of(Path)} forms name the same files in a data dir this process does not
 * hold (the {@code ope} and {@code train} commands read one; tests build parts in a plain dir).
 */
public final class DataDirectory implements AutoCloseable {
  private static final String VECTOR_SPACE_FILE = "vector-space";
  private static final String FEEDBACK_LOG = "feedback-log";
  private static final String MODELS = "models";
  private static final String SNAPSHOTS = "snapshots";
  private static final String CATALOG_UPSERTS = "catalog-upserts.log";
  private static final String EMBEDDING_CACHE = "embeddings.bin";
  private static final String LOCK = ".lock";
  private static final String AUDIT_LOG = "audit.log";
  private static final String ERASURE_IN_PROGRESS = "erasure-in-progress";
  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDirectory(Path path, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  public static DataDirectory open(Path path) throws IOException {
    Files.createDirectories(path);
    FileChannel channel =
        FileChannel.open(path.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "data dir " + path.toAbsolutePath() + " is in use by another server process");
    }
    return new DataDirectory(path, channel, lock);
  }

  public Path path() {
    return path;
  }

  public Path feedbackLog() {
    return feedbackLogOf(path);
  }

  public Path snapshots() {
    return path.resolve(SNAPSHOTS);
  }

  /** Where the audit records of erasures go (AdminService/ForgetUser). */
  public Path auditLog() {
    return path.resolve(AUDIT_LOG);
  }

  /**
   * Names the user an erasure is removing while it runs (deleted when it is done): a start that
   * finds it finishes that erasure before serving, so a crash midway resurrects nobody from an
   * older snapshot.
   */
  public Path erasureInProgress() {
    return path.resolve(ERASURE_IN_PROGRESS);
  }

  public Path models() {
    return modelsOf(path);
  }

  public Path catalogUpserts() {
    return catalogUpsertsOf(path);
  }

  public Path embeddingCache() {
    return embeddingCacheOf(path);
  }

  public static Path feedbackLogOf(Path dataDir) {
    return dataDir.resolve(FEEDBACK_LOG);
  }

  public static Path modelsOf(Path dataDir) {
    return dataDir.resolve(MODELS);
  }

  public static Path catalogUpsertsOf(Path dataDir) {
    return dataDir.resolve(CATALOG_UPSERTS);
  }

  public static Path embeddingCacheOf(Path dataDir) {
    return dataDir.resolve(EMBEDDING_CACHE);
  }

  /**
   * Binds the data dir to one kind of catalog: its logs hold user states, transitions and model
   * weights in that catalog's vector space, which another space cannot read. The first start
   * records {@code space} (e.g. "vector catalog, 64 dimensions"); a later start in another space
   * is refused before anything is read.
   */
  public void requireVectorSpace(String space) throws IOException {
    Path marker = path.resolve(VECTOR_SPACE_FILE);
    if (!Files.exists(marker)) {
      AtomicFiles.writeString(marker, space + "\n");
      return;
    }
    String recorded = Files.readString(marker, StandardCharsets.UTF_8).strip();
    if (!recorded.equals(space)) {
      throw new IllegalStateException(
          "data dir " + path.toAbsolutePath() + " holds state for a " + recorded + ", but this start serves a " + space
              + "; give this catalog its own data dir");
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    lockChannel.close();
  }
}
