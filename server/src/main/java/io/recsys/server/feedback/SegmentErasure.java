package io.recsys.server.feedback;

import com.google.protobuf.InvalidProtocolBufferException;
import io.recsys.server.feedback.log.ErasedRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.storage.AtomicFiles;
import io.recsys.server.storage.RecordFrames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.function.Predicate;

/**
 * Rewrites one segment of the feedback log with every record that matches replaced by an {@link
 * ErasedRecord} that keeps its place (and its server time, nothing else): sequence numbers, and
 * with them every snapshot's log position, stay valid. The new segment is written beside the old
 * one, fsynced and renamed over it, so a crash leaves one or the other, whole.
 */
final class SegmentErasure {
  private SegmentErasure() {}

  /**
   * Rewrites {@code segment} if any of its records match; returns how many were erased. The
   * rewritten file keeps the old one's modification time, which the log's retention by age reads.
   */
  static long erase(Path segment, Predicate<LogRecord> matching) throws IOException {
    FileTime modified = Files.getLastModifiedTime(segment);
    return erase(segment, matching, () -> Files.setLastModifiedTime(segment, modified));
  }

  /** Rewrites {@code segment} if any of its records match, running {@code afterRename} once the new file is in place. */
  static long erase(Path segment, Predicate<LogRecord> matching, AtomicFiles.AfterRename afterRename) throws IOException {
    long matches = count(segment, matching);
    if (matches == 0) {
      return 0;
    }
    AtomicFiles.write(segment, out -> {
      try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
        RecordFrames.scan(channel, payload -> {
          LogRecord record = parse(segment, payload);
          try {
            RecordFrames.write(out, matching.test(record) ? erased(record) : payload);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }, afterRename);
    return matches;
  }

  private static long count(Path segment, Predicate<LogRecord> matching) throws IOException {
    long[] matches = {0};
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
      long intactEnd = RecordFrames.scan(channel, payload -> {
        if (matching.test(parse(segment, payload))) {
          matches[0]++;
        }
      });
      if (intactEnd != channel.size()) {
        throw new IllegalStateException(segment + " is damaged at offset " + intactEnd + ": not rewriting it");
      }
    }
    return matches[0];
  }

  private static byte[] erased(LogRecord record) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(record.getServerTimeMicros())
        .setErased(ErasedRecord.getDefaultInstance())
        .build()
        .toByteArray();
  }

  private static LogRecord parse(Path segment, byte[] payload) {
    try {
      return LogRecord.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(segment + ": a record passed its checksum but does not parse", e);
    }
  }
}
