package io.recsys.server.ops;

import io.recsys.server.storage.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The server's data dir, locked for the life of the process so two servers never write the same
 * logs (a second server on the same dir fails at start with a clear message). Its layout:
 * {@code feedback-log/} (segments of the durable feedback log), {@code models/} (weights and the
 * version history, {@code learning.ModelStore}), {@code embeddings.bin} and {@code
 * catalog-upserts.log} ({@code catalog.Catalog}), {@code vector-space}, {@code .lock}.
 */
public final class DataDirectory implements AutoCloseable {
  private static final String VECTOR_SPACE_FILE = "vector-space";
  private static final String FEEDBACK_LOG = "feedback-log";
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
        FileChannel.open(path.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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

  /** The feedback log of a data dir this process does not serve (ope, train read it). */
  public static Path feedbackLogOf(Path dataDir) {
    return dataDir.resolve(FEEDBACK_LOG);
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
              + "; give this catalog its own --data-dir");
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    lockChannel.close();
  }
}
