package io.recsys.server.ops;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The server's data dir, locked for the life of the process so two servers never write the same
 * logs (a second server on the same dir fails at start with a clear message).
 */
public final class DataDirectory implements AutoCloseable {
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

  @Override
  public void close() throws IOException {
    lock.release();
    lockChannel.close();
  }
}
