package io.recsys.server.storage;

import java.io.IOException;
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

  /**
   * Hands every intact record from the start of {@code channel} to {@code sink} and returns the
   * offset just past the last one: the end of the file, unless its tail is torn or corrupt.
   */
  public static long scan(FileChannel channel, Consumer<byte[]> sink) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    long position = 0;
    long size = channel.size();
    while (position + HEADER_BYTES <= size) {
      header.clear();
      readFully(channel, header, position);
      int length = header.getInt(0);
      int checksum = header.getInt(4);
      // Length 0 is never written: zeroed bytes (a file extended but its blocks never written
      // before a crash) would otherwise pass as empty records with a valid checksum (found by
      // FeedbackLogRecoveryFuzzTest).
      if (length <= 0 || length > MAX_PAYLOAD_BYTES || position + HEADER_BYTES + length > size) {
        break;
      }
      ByteBuffer payload = ByteBuffer.allocate(length);
      readFully(channel, payload, position + HEADER_BYTES);
      if (crc(payload.array()) != checksum) {
        break;
      }
      sink.accept(payload.array());
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
}
