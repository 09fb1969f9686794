package io.recsys.server.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.recsys.server.storage.snapshot.SnapshotEntry;
import io.recsys.server.storage.snapshot.SnapshotFooter;
import io.recsys.server.storage.snapshot.SnapshotHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder of snapshot files: each a header, the parts' entries and a footer, in checksummed
 * frames, written to a temporary file, fsynced and renamed into place, so a crash leaves a whole
 * snapshot or none. The newest {@code keep} are kept: a damaged newest one falls back to the one
 * before, which is why the log keeps what the oldest kept one needs ({@link #oldestNeededRecord}).
 */
public final class SnapshotFiles {
  private static final Logger log = LoggerFactory.getLogger(SnapshotFiles.class);
  private static final String SUFFIX = ".snap";
  static final int FORMAT = 1;

  /** A snapshot on disk: where it is and the log positions it was taken at. */
  public record Stored(Path file, long logPosition, long bytes) {}

  private final Path directory;
  private final int keep;

  private SnapshotFiles(Path directory, int keep) {
    this.directory = directory;
    this.keep = keep;
  }

  /** @param keep snapshots kept, newest first; at least 1 */
  public static SnapshotFiles open(Path directory, int keep) throws IOException {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1, got " + keep);
    }
    Files.createDirectories(directory);
    try (Stream<Path> files = Files.list(directory)) {
      for (Path leftover : files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()) {
        Files.delete(leftover); // a crash while writing: never renamed, never a snapshot
      }
    }
    return new SnapshotFiles(directory, keep);
  }

  /**
   * Writes a snapshot of every part's captured copy, as of log record {@code logPosition}, then
   * deletes all but the newest {@code keep}. Returns what was written.
   */
  public Stored write(long logPosition, long joinFrom, List<SnapshotPart.Saved> parts) throws IOException {
    return write(logPosition, joinFrom, List.of(), parts);
  }

  /**
   * As {@link #write(long, long, List)}, for a partitioned log: {@code partitionOffsets} is where
   * each partition stood, the position a restore resumes from.
   */
  public Stored write(long logPosition, long joinFrom, List<Long> partitionOffsets, List<SnapshotPart.Saved> parts) throws IOException {
    Path file = directory.resolve(String.format("%020d-%016x%s", logPosition, System.currentTimeMillis(), SUFFIX));
    long[] entries = {0};
    AtomicFiles.write(
        file,
        out -> {
          frame(out, SnapshotEntry.newBuilder().setHeader(
              SnapshotHeader.newBuilder()
                  .setFormat(FORMAT)
                  .setLogPosition(logPosition)
                  .setJoinFrom(joinFrom)
                  .addAllPartitionOffsets(partitionOffsets)
                  .setCreatedMicros(System.currentTimeMillis() * 1_000)).build());
          try {
            for (SnapshotPart.Saved part : parts) {
              part.writeTo(entry -> {
                try {
                  frame(out, entry);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                entries[0]++;
              });
            }
          } catch (UncheckedIOException e) {
            throw e.getCause();
          }
          frame(out, SnapshotEntry.newBuilder().setFooter(SnapshotFooter.newBuilder().setEntries(entries[0])).build());
        });
    List<Stored> stored = list();
    for (int i = keep; i < stored.size(); i++) {
      Files.deleteIfExists(stored.get(i).file());
    }
    return new Stored(file, logPosition, Files.size(file));
  }

  /** Deletes every snapshot but {@code kept} (after an erasure, the older ones hold what was erased); returns how many went. */
  public int deleteAllBut(Stored kept) throws IOException {
    int deleted = 0;
    for (Stored stored : list()) {
      if (!stored.file().equals(kept.file())) {
        Files.deleteIfExists(stored.file());
        deleted++;
      }
    }
    AtomicFiles.syncDirectory(directory);
    return deleted;
  }

  private static void frame(java.io.OutputStream out, SnapshotEntry entry) throws IOException {
    RecordFrames.write(out, entry.toByteArray());
  }

  /** Snapshots on disk, newest first, by the names they were written under (not checked). */
  public List<Stored> list() throws IOException {
    List<Stored> stored = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted(java.util.Comparator.reverseOrder()).toList()) {
        String name = file.getFileName().toString();
        try {
          stored.add(new Stored(file, Long.parseLong(name.substring(0, name.indexOf('-'))), Files.size(file)));
        } catch (RuntimeException e) {
          log.warn("{} is not named as a snapshot is; ignored", file);
        }
      }
    }
    return stored;
  }

  /**
   * The first log record some kept snapshot needs: records before it may go. Empty when there is
   * no snapshot (then every record is needed).
   */
  public Optional<Long> oldestNeededRecord() throws IOException {
    List<Stored> stored = list();
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    long oldest = Long.MAX_VALUE;
    for (Stored snapshot : stored) {
      // The header alone (not a check of the whole file, hundreds of MB): a kept snapshot's needs
      // count even if it is damaged further on, since the one after it may be damaged too.
      Optional<SnapshotHeader> header = headerOf(snapshot.file());
      if (header.isPresent()) {
        oldest = Math.min(oldest, Math.min(header.get().getLogPosition(), header.get().getJoinFrom()));
      }
    }
    return oldest == Long.MAX_VALUE ? Optional.empty() : Optional.of(oldest);
  }

  /**
   * Restores the newest intact snapshot into {@code parts} (each entry to the first part that
   * takes it) and returns its header; a damaged one is skipped with a warning, for the one before.
   * Empty when there is none: the log is then replayed from its beginning.
   */
  public Optional<SnapshotHeader> restoreNewest(List<SnapshotPart> parts) throws IOException {
    for (Stored snapshot : list()) {
      Optional<SnapshotHeader> header = intactHeader(snapshot.file());
      if (header.isEmpty()) {
        log.warn("Snapshot {} is damaged or incomplete; trying the one before", snapshot.file());
        continue;
      }
      long[] unknown = {0};
      try (FileChannel channel = FileChannel.open(snapshot.file(), StandardOpenOption.READ)) {
        RecordFrames.scan(channel, payload -> {
          SnapshotEntry entry = parse(payload);
          if (entry.hasHeader() || entry.hasFooter()) {
            return;
          }
          boolean taken = false;
          for (int i = 0; i < parts.size() && !taken; i++) {
            taken = parts.get(i).restore(entry);
          }
          if (!taken) {
            unknown[0]++;
          }
        });
      }
      if (unknown[0] > 0) {
        log.warn("Snapshot {}: {} entries no part of this server knows were skipped", snapshot.file(), unknown[0]);
      }
      return header;
    }
    return Optional.empty();
  }

  private static Optional<SnapshotHeader> headerOf(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      byte[] first = RecordFrames.first(channel);
      if (first == null) {
        return Optional.empty();
      }
      SnapshotEntry entry = parse(first);
      return entry.hasHeader() ? Optional.of(entry.getHeader()) : Optional.empty();
    } catch (IOException | IllegalStateException e) {
      return Optional.empty();
    }
  }

  /**
   * The header of a whole snapshot: every checksum intact to the end of the file, a header first
   * and a footer last that counts the entries between. Only those two are parsed here.
   */
  private static Optional<SnapshotHeader> intactHeader(Path file) {
    byte[][] firstAndLast = new byte[2][];
    long[] frames = {0};
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long end = RecordFrames.scan(channel, payload -> {
        if (frames[0]++ == 0) {
          firstAndLast[0] = payload;
        }
        firstAndLast[1] = payload;
      });
      if (end != channel.size() || frames[0] < 2) {
        return Optional.empty();
      }
      SnapshotEntry first = parse(firstAndLast[0]);
      SnapshotEntry last = parse(firstAndLast[1]);
      boolean whole = first.hasHeader() && first.getHeader().getFormat() == FORMAT
          && last.hasFooter() && last.getFooter().getEntries() == frames[0] - 2;
      return whole ? Optional.of(first.getHeader()) : Optional.empty();
    } catch (IOException | IllegalStateException e) {
      log.warn("Snapshot {} could not be read: {}", file, e.toString());
      return Optional.empty();
    }
  }

  private static SnapshotEntry parse(byte[] payload) {
    try {
      return SnapshotEntry.parseFrom(payload);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a snapshot entry passed its checksum but does not parse", e);
    }
  }
}
