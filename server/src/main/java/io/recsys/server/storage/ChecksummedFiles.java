package io.recsys.server.storage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Whole files laid out as a magic number, a format number, a body and a CRC32C of everything before
 * it, written atomically ({@link AtomicFiles}). A reader gets the body only if all of it checks
 * out; otherwise an {@link IOException} that names the file and what is wrong with it.
 */
public final class ChecksummedFiles {
  /** Writes a file's body. */
  @FunctionalInterface
  public interface BodyWriter {
    void writeTo(DataOutputStream out) throws IOException;
  }

  /** Reads a file's whole body. */
  @FunctionalInterface
  public interface BodyReader<T> {
    T readFrom(DataInputStream in) throws IOException;
  }

  private ChecksummedFiles() {}

  public static void write(Path file, long magic, int format, BodyWriter body) throws IOException {
    AtomicFiles.write(
        file,
        out -> {
          CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32C());
          DataOutputStream data = new DataOutputStream(checked);
          data.writeLong(magic);
          data.writeInt(format);
          body.writeTo(data);
          data.flush();
          data.writeInt((int) checked.getChecksum().getValue());
          data.flush();
        });
  }

  /**
   * @param kind what the file is, for messages ("an embedding cache")
   * @throws NoSuchFileException if there is no file
   * @throws IOException if it is not {@code kind} in this format, is truncated, has bytes after
   *     its checksum or fails it
   */
  public static <T> T read(Path file, long magic, int format, String kind, BodyReader<T> body) throws IOException {
    try (CheckedInputStream checked =
            new CheckedInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), new CRC32C());
        DataInputStream in = new DataInputStream(checked)) {
      if (in.readLong() != magic || in.readInt() != format) {
        throw new IOException(file + " is not " + kind + " of format " + format);
      }
      T value = body.readFrom(in);
      int expected = (int) checked.getChecksum().getValue();
      if (in.readInt() != expected || in.read() != -1) {
        throw new IOException(file + " fails its checksum");
      }
      return value;
    } catch (EOFException e) {
      throw new IOException(file + " is truncated", e);
    }
  }
}
