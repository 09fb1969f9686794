package io.recsys.server.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of every durable record: {@code [length:int][crc32c:int][payload]}, little
 * endian, the payload never empty. One codec for every log, so recovery rules are the same
 * everywhere.
 */
public final class RecordFrames {
  public static final int HEADER_BYTES = 8;
  /** Far above any record we write; a larger length field means the header itself is garbage. */
  public static final int MAX_PAYLOAD_BYTES = 256 << 20;

  private RecordFrames() {}

  /** Bytes the framed payload takes on disk. */
  public static int framedSize(int payloadBytes) {
    return HEADER_BYTES + payloadBytes;
  }

  /** Appends the framed {@code payload} to {@code buffer} (which must have room); it must not be empty. */
  public static void write(ByteBuffer buffer, byte[] payload) {
    if (payload.length == 0) {
      // The CRC32C of nothing is 0: an empty record would read like zeroed disk, which must not.
      throw new IllegalArgumentException("an empty record cannot be told from zeroed disk");
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "record of " + payload.length + " bytes exceeds " + MAX_PAYLOAD_BYTES);
    }
    ByteOrder order = buffer.order();
    buffer.order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(payload.length).putInt(crc(payload)).put(payload);
    buffer.order(order);
  }

  /** Writes the framed {@code payload} to {@code out}; as {@link #write(ByteBuffer, byte[])}. */
  public static void write(OutputStream out, byte[] payload) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(framedSize(payload.length));
    write(header, payload);
    out.write(header.array());
  }

  /**
   * Hands every intact record from the start of {@code channel} to {@code sink} and returns the
   * offset just past the last one: the end of the file, unless its tail is torn or corrupt.
   * Reads sequentially through a buffer (one read per MiB, not two per record: a restart reads
   * millions of records).
   */
  public static long scan(FileChannel channel, Consumer<byte[]> sink) throws IOException {
    long size = channel.size();
    ByteBuffer window = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    window.flip(); // empty, ready to be read from
    long position = 0; // file offset of window.position()
    while (position + HEADER_BYTES <= size) {
      if (window.remaining() < HEADER_BYTES && !fill(channel, window, position + window.remaining(), size)) {
        break;
      }
      int length = window.getInt(window.position());
      int checksum = window.getInt(window.position() + 4);
      // Length 0 is never written: zeroed bytes (a file extended but its blocks never written
      // before a crash) would otherwise pass as empty records with a valid checksum (found by
      // FeedbackLogRecoveryFuzzTest).
      if (length <= 0 || length > MAX_PAYLOAD_BYTES || position + HEADER_BYTES + length > size) {
        break;
      }
      byte[] payload = new byte[length];
      if (window.remaining() >= HEADER_BYTES + length) {
        window.position(window.position() + HEADER_BYTES);
        window.get(payload);
      } else {
        // Larger than what the window holds: read it directly, then refill from after it.
        readFully(channel, ByteBuffer.wrap(payload), position + HEADER_BYTES);
        window.clear().flip();
      }
      if (crc(payload) != checksum) {
        break;
      }
      sink.accept(payload);
      position += HEADER_BYTES + length;
    }
    return position;
  }

  /** The first record of {@code channel} if it is intact, else null; reads nothing after it. */
  public static byte[] first(FileChannel channel) throws IOException {
    long size = channel.size();
    if (size < HEADER_BYTES) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, header, 0);
    int length = header.getInt(0);
    if (length <= 0 || length > MAX_PAYLOAD_BYTES || HEADER_BYTES + (long) length > size) {
      return null;
    }
    byte[] payload = new byte[length];
    readFully(channel, ByteBuffer.wrap(payload), HEADER_BYTES);
    return crc(payload) == header.getInt(4) ? payload : null;
  }

  /** Moves what is left of {@code window} to its front and reads more after it; false at the end of the file. */
  private static boolean fill(FileChannel channel, ByteBuffer window, long readFrom, long size) throws IOException {
    window.compact();
    long before = window.position();
    while (window.hasRemaining() && readFrom + (window.position() - before) < size) {
      int read = channel.read(window, readFrom + (window.position() - before));
      if (read < 0) {
        break;
      }
    }
    boolean grew = window.position() > before;
    window.flip();
    return grew && window.remaining() >= HEADER_BYTES;
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
}
