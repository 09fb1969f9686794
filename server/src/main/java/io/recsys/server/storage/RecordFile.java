package io.recsys.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of checksummed records: {@code [length:int][crc32c:int][payload]}, little
 * endian. {@link #append} returns once the record is on disk (fsync). Opening replays every intact
 * record and cuts off a torn or corrupt tail, so a crash mid-write loses only the record that was
 * never acknowledged.
 */
public final class RecordFile implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecordFile.class);
  private static final int HEADER_BYTES = 8;
  /** Far above any record we write; a larger length field means the header itself is garbage. */
  public static final int MAX_RECORD_BYTES = 256 << 20;

  private final Path path;
  private final FileChannel channel;

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
      long intactEnd = replay(channel, replay);
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

  private static long replay(FileChannel channel, Consumer<byte[]> replay) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    long position = 0;
    long size = channel.size();
    while (position + HEADER_BYTES <= size) {
      header.clear();
      readFully(channel, header, position);
      int length = header.getInt(0);
      int checksum = header.getInt(4);
      if (length < 0 || length > MAX_RECORD_BYTES || position + HEADER_BYTES + length > size) {
        break;
      }
      ByteBuffer payload = ByteBuffer.allocate(length);
      readFully(channel, payload, position + HEADER_BYTES);
      if (crc(payload.array()) != checksum) {
        break;
      }
      replay.accept(payload.array());
      position += HEADER_BYTES + length;
    }
    return position;
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
      throws IOException {
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, position + buffer.position());
      if (read < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static int crc(byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    return (int) crc.getValue();
  }

  /** Appends one record and returns once it is durable. */
  public synchronized void append(byte[] payload) throws IOException {
    if (payload.length > MAX_RECORD_BYTES) {
      throw new IllegalArgumentException(
          "record of " + payload.length + " bytes exceeds " + MAX_RECORD_BYTES);
    }
    ByteBuffer record =
        ByteBuffer.allocate(HEADER_BYTES + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    record.putInt(payload.length).putInt(crc(payload)).put(payload).flip();
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

  public Path path() {
    return path;
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
