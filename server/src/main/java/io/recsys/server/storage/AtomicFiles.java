package io.recsys.server.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.SyncFailedException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Whole-file writes that a crash leaves either complete or not there at all. */
public final class AtomicFiles {
  /** Writes the content of one file. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /** Runs right after the rename, before the folder's fsync. */
  @FunctionalInterface
  public interface AfterRename {
    void run() throws IOException;
  }

  /** Writes to a temporary sibling, fsyncs it, renames it over {@code target}, fsyncs the folder. */
  public static void write(Path target, Writer content) throws IOException {
    write(target, content, () -> {});
  }

  /**
   * {@link #write(Path, Writer)}, running {@code afterRename} as soon as the new file is in place
   * (a writer that holds the old one open moves to the new one there). A failure before the
   * rename leaves {@code target} as it was and no temporary file behind; once renamed, a failed
   * folder fsync is a {@link SyncFailedException}: the rename may not survive a crash.
   */
  public static void write(Path target, Writer content, AfterRename afterRename) throws IOException {
    Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (FileChannel channel =
              FileChannel.open(
                  temporary,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING,
                  StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16)) {
        content.writeTo(out);
        out.flush();
        channel.force(true);
      }
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temporary); // a full disk must not keep a half-written copy
      throw e;
    }
    afterRename.run();
    try {
      syncDirectory(target.toAbsolutePath().getParent());
    } catch (IOException e) {
      SyncFailedException failed = new SyncFailedException("renamed " + target + " but could not fsync its folder: " + e.getMessage());
      failed.initCause(e);
      throw failed;
    }
  }

  /** Writes {@code text} as the whole of {@code target}, in UTF-8, as {@link #write} does. */
  public static void writeString(Path target, String text) throws IOException {
    write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Makes a rename or a new file in {@code directory} durable. */
  public static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
