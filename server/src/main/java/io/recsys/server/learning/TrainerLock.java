package io.recsys.server.learning;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one-trainer rule of a shared model store: an OS lock on {@code trainer.lock} in it, held
 * while the trainer runs and released by the OS if the process dies. A second trainer on the same
 * store is refused at start. (Advisory file locks on network file systems are only as good as the
 * file system's; on NFS use v4 or configure exactly one trainer.)
 */
final class TrainerLock implements AutoCloseable {
  private static final String FILE = "trainer.lock";
  private final FileChannel channel;
  private final FileLock lock;

  private TrainerLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static TrainerLock acquire(Path directory) throws IOException {
    Path file = directory.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "another trainer holds " + file + ": a shared model store has exactly one trainer (run the others with --reranker follow)");
    }
    return new TrainerLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
