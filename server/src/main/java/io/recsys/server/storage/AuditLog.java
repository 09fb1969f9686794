package io.recsys.server.storage;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An append-only file of audit records, one JSON object per line, each fsynced before the call
 * that made it returns. Bounded: past {@code maxBytes} the file becomes {@code <name>.1} (replacing
 * the previous one) and a new file starts, so at most twice that stays on disk.
 */
public final class AuditLog {
  private final Path file;
  private final long maxBytes;

  public AuditLog(Path file, long maxBytes) {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("an audit log needs at least 1 KiB, got " + maxBytes);
    }
    this.file = file;
    this.maxBytes = maxBytes;
  }

  /** Appends {@code record} as one line and makes it durable. */
  public synchronized void append(JsonObject record) throws IOException {
    byte[] line = (record.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    if (Files.exists(file) && Files.size(file) + line.length > maxBytes) {
      Files.move(file, file.resolveSibling(file.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    boolean created = !Files.exists(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer bytes = ByteBuffer.wrap(line);
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
    }
    if (created) {
      AtomicFiles.syncDirectory(file.toAbsolutePath().getParent());
    }
  }
}
