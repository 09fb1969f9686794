package io.recsys.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of checksummed records ({@link RecordFrames}). {@link #append} returns once
 * the record is on disk (fsync). Opening replays every intact
 * record and cuts off a torn or corrupt tail, so a crash mid-write loses only the record that was
 * never acknowledged.
 */
public final class RecordFile implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecordFile.class);

  private final Path path;
  private FileChannel channel; // replaced by rewrite()

  private RecordFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /**
   * Opens (creating if needed) the file, hands each intact record to {@code replay} in order, and
   * truncates whatever follows the last intact record.
   */
  public static RecordFile open(Path path, Consumer<byte[]> replay) throws IOException {
    boolean created = !Files.exists(path);
    FileChannel channel =
        FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      if (created) {
        AtomicFiles.syncDirectory(path.toAbsolutePath().getParent());
      }
      long intactEnd = RecordFrames.scan(channel, replay);
      long size = channel.size();
      if (intactEnd < size) {
        log.warn(
            "{}: cutting off {} bytes of torn or corrupt tail after offset {}",
            path, size - intactEnd, intactEnd);
        channel.truncate(intactEnd);
        channel.force(true);
      }
      channel.position(intactEnd);
      return new RecordFile(path, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Appends one record and returns once it is durable. */
  public synchronized void append(byte[] payload) throws IOException {
    ByteBuffer record = ByteBuffer.allocate(RecordFrames.framedSize(payload.length));
    RecordFrames.write(record, payload);
    record.flip();
    long start = channel.position();
    try {
      while (record.hasRemaining()) {
        channel.write(record);
      }
      channel.force(false);
    } catch (IOException e) {
      // Leave no half record behind for the next append to follow.
      channel.truncate(start);
      channel.position(start);
      throw e;
    }
  }

  /**
   * Replaces the whole file with {@code payloads}, atomically: they are written to a temporary
   * file, fsynced, and renamed over this one, so a crash leaves either the old records or the new
   * ones, never a mix. For compaction; appends continue after the new records.
   */
  public synchronized void rewrite(List<byte[]> payloads) throws IOException {
    Path temporary = path.resolveSibling(path.getFileName() + ".rewrite");
    try (FileChannel out =
        FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      for (byte[] payload : payloads) {
        ByteBuffer record = ByteBuffer.allocate(RecordFrames.framedSize(payload.length));
        RecordFrames.write(record, payload);
        record.flip();
        while (record.hasRemaining()) {
          out.write(record);
        }
      }
      out.force(true);
    }
    channel.close();
    try {
      Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(path.toAbsolutePath().getParent());
    } finally {
      // The old file if the rename failed, else the new one: either way appends go on.
      channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      channel.position(channel.size());
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
