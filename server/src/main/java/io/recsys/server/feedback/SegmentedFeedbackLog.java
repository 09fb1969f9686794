package io.recsys.server.feedback;

import com.google.protobuf.InvalidProtocolBufferException;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.storage.AtomicFiles;
import io.recsys.server.storage.RecordFrames;
import io.recsys.server.storage.SnapshotPart;
import java.io.IOException;
import java.io.SyncFailedException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback log on local disk: a folder of append-only segment files of checksummed records
 * ({@link RecordFrames}), each named by the sequence number of its first record. Sequence numbers
 * never repeat: segments a snapshot covers may be retired ({@link #retire}), the numbering goes on.
 *
 * <p>One writer thread takes appends from a bounded queue and commits them in groups: one write
 * and one fsync for everything that queued up meanwhile, so throughput grows with load while each
 * append waits at most one fsync. Opening replays every record in order; a torn tail of the last
 * segment (a crash mid-write) is cut off, while damage anywhere else stops the start, since
 * acknowledged records would be lost.
 */
public final class SegmentedFeedbackLog implements FeedbackLog, SnapshotLog {
  private static final Logger log = LoggerFactory.getLogger(SegmentedFeedbackLog.class);
  private static final String SUFFIX = ".seg";
  private static final int MAX_GROUP = 8_192;

  /**
   * @param fsync when appends count as durable
   * @param fsyncInterval background fsync period under {@link FsyncPolicy#INTERVAL}
   * @param segmentBytes a segment is closed once it would grow past this
   * @param queueCapacity appends waiting for the writer; a full queue pushes back on callers
   */
  public record Options(FsyncPolicy fsync, Duration fsyncInterval, long segmentBytes, int queueCapacity) {
    public Options {
      if (segmentBytes < 1 << 16) {
        throw new IllegalArgumentException("segmentBytes must be >= 64 KiB, got " + segmentBytes);
      }
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
      }
    }

    public static Options defaults() {
      return new Options(FsyncPolicy.BATCH, Duration.ofMillis(50), 64L << 20, 65_536);
    }
  }

  /** An append, or (with a {@code task}) work the writer does between two group commits. */
  private record Pending(byte[] payload, CompletableFuture<Void> done, WriterTask task) {
    static Pending append(byte[] payload, CompletableFuture<Void> done) {
      return new Pending(payload, done, null);
    }
  }

  @FunctionalInterface
  private interface WriterTask {
    void run() throws IOException;
  }

  private final Path directory;
  private final Options options;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean closing;
  private volatile Throwable failure;
  private volatile long recordCount;
  private FileChannel segment;
  private Path segmentPath;
  private long segmentSize;
  /** Held while segment files are deleted or rewritten: retiring and erasing never overlap. */
  private final Object segmentFiles = new Object();
  private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
  private long lastForceNanos = System.nanoTime();
  private final LongAdder groupCommits = new LongAdder();
  private final LongAdder groupCommitRecords = new LongAdder();
  private final LongAdder fsyncs = new LongAdder();
  private final LongAdder fsyncNanos = new LongAdder();
  private final LongAdder refusedGroups = new LongAdder();
  private final LongAdder retiredSegments = new LongAdder();
  private long refusedSinceWarning; // writer thread only
  private long lastRefusalWarning; // writer thread only

  private SegmentedFeedbackLog(Path directory, Options options, long recordCount) throws IOException {
    this.directory = directory;
    this.options = options;
    this.recordCount = recordCount;
    this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    this.writer = new Thread(this::writeLoop, "feedback-log-writer");
  }

  /**
   * Opens the log in {@code directory} (created if missing), hands every record to {@code replay}
   * in order, and starts the writer.
   */
  public static SegmentedFeedbackLog open(Path directory, Options options, Consumer<LogRecord> replay)
      throws IOException {
    return open(directory, options, 0, 0, replay);
  }

  /**
   * Opens the log in {@code directory} (created if missing), hands every record from sequence
   * {@code from} on to {@code replay} in order (a snapshot holds what those before did: segments
   * wholly before it are not even read), and starts the writer.
   *
   * <p>A log that ends before {@code covered} (the snapshot's position) lost acknowledged records
   * that the snapshot already holds (possible under {@link FsyncPolicy#INTERVAL}): numbering goes
   * on from {@code covered}, in a new segment. A log whose first record comes after {@code from}
   * is missing records nothing else holds: the start is refused.
   */
  public static SegmentedFeedbackLog open(Path directory, Options options, long from, long covered, Consumer<LogRecord> replay)
      throws IOException {
    if (from > covered) {
      throw new IllegalArgumentException("replay from " + from + " is after the covered position " + covered);
    }
    Files.createDirectories(directory);
    deleteUnfinishedRewrites(directory);
    List<Path> segments = segments(directory);
    if (!segments.isEmpty() && firstSequenceOf(segments.get(0)) > from) {
      throw new IllegalStateException(
          directory + " begins at record " + firstSequenceOf(segments.get(0)) + " but the snapshot it recovers from ends at "
              + from + ": the records between are missing; refusing to start rather than lose them");
    }
    long end = from;
    long replayed = 0;
    for (int i = 0; i < segments.size(); i++) {
      boolean last = i == segments.size() - 1;
      if (!last && firstSequenceOf(segments.get(i + 1)) <= from) {
        continue; // wholly covered by the snapshot
      }
      long first = firstSequenceOf(segments.get(i));
      long count = replaySegment(segments.get(i), last, first, from, replay);
      end = first + count;
      replayed += Math.max(0, end - Math.max(first, from));
    }
    SegmentedFeedbackLog feedbackLog = new SegmentedFeedbackLog(directory, options, Math.max(end, covered));
    Path tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    if (end < covered) {
      log.warn(
          "{} ends at record {} but the snapshot covers records up to {}: the ones between were acknowledged before"
              + " their fsync (fsync {}) and lost in a crash; the snapshot holds their effect, numbering goes on from {}",
          directory, end, covered, options.fsync(), covered);
      tail = null;
    }
    feedbackLog.openForAppend(tail);
    feedbackLog.writer.start();
    log.info(
        "Feedback log {}: {} records replayed from record {}, next record {}, {} segments, fsync {}",
        directory, replayed, from, feedbackLog.recordCount, Math.max(segments.size(), 1), options.fsync());
    return feedbackLog;
  }

  /** A crash during an erasure can leave a segment's rewrite half written: the segment itself is whole. */
  private static void deleteUnfinishedRewrites(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX + ".tmp")).toList()) {
        log.warn("{}: deleting an unfinished segment rewrite (an erasure was interrupted; it is retried by repeating it)", file);
        Files.delete(file);
      }
    }
  }

  private static long firstSequenceOf(Path segment) {
    String name = segment.getFileName().toString();
    try {
      return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(segment + " is not named by the sequence number of its first record", e);
    }
  }

  /**
   * Reads every intact record of a log folder without opening it for writing: safe beside a
   * running server (a record being written is simply not seen). Returns the number read.
   */
  public static long readAll(Path directory, Consumer<LogRecord> sink) throws IOException {
    long[] records = {0};
    for (Path segment : segments(directory)) {
      try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
        RecordFrames.scan(channel, parsing(segment, sink, records));
      }
    }
    return records[0];
  }

  /**
   * Reads the stored records beside the writer, one segment at a time: each is opened under the
   * lock that retiring and erasing take and read outside it (an open file keeps its content if
   * it is deleted or renamed over meanwhile), so the reader holds up neither an erasure nor the
   * writer, and keeps one file open. A segment retired meanwhile is skipped, one rewritten is
   * read as it is then.
   */
  @Override
  public void readStored(Consumer<LogRecord> sink) throws IOException {
    long[] records = {0};
    List<Path> segments;
    synchronized (segmentFiles) {
      segments = segments(directory);
    }
    for (Path segment : segments) {
      FileChannel channel;
      synchronized (segmentFiles) {
        try {
          channel = FileChannel.open(segment, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
          continue; // retired since the listing: its records are gone
        }
      }
      try (channel) {
        RecordFrames.scan(channel, parsing(segment, sink, records));
      }
    }
  }

  /** Parses each intact payload into a record for {@code sink}, counting them in {@code count[0]}. */
  private static Consumer<byte[]> parsing(Path segment, Consumer<LogRecord> sink, long[] count) {
    return payload -> {
      try {
        sink.accept(LogRecord.parseFrom(payload));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(segment + ": a record passed its checksum but does not parse", e);
      }
      count[0]++;
    };
  }

  private static List<Path> segments(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
  }

  /** Replays the records of {@code segment} (whose first is {@code first}) from {@code from} on; returns how many it holds. */
  private static long replaySegment(Path segment, boolean last, long first, long from, Consumer<LogRecord> replay)
      throws IOException {
    long[] count = {0};
    long skip = from - first;
    Consumer<LogRecord> fromOn = record -> {
      if (count[0] >= skip) {
        replay.accept(record);
      }
    };
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long intactEnd = RecordFrames.scan(channel, parsing(segment, fromOn, count));
      long size = channel.size();
      if (intactEnd < size) {
        if (!last) {
          throw new IllegalStateException(
              segment + " is damaged at offset " + intactEnd + " and is not the last segment:"
                  + " refusing to start rather than lose acknowledged records");
        }
        log.warn("{}: cutting off {} bytes of torn tail after offset {}", segment, size - intactEnd, intactEnd);
        channel.truncate(intactEnd);
        channel.force(true);
      }
    }
    return count[0];
  }

  private void openForAppend(Path tail) throws IOException {
    Path file = tail != null ? tail : directory.resolve(segmentName(recordCount));
    segment = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    segmentPath = file;
    segmentSize = segment.size();
    segment.position(segmentSize);
    AtomicFiles.syncDirectory(directory);
  }

  private static String segmentName(long firstSequence) {
    return String.format("%020d%s", firstSequence, SUFFIX);
  }

  @Override
  public void append(String userId, byte[] encodedRecord, CompletableFuture<Void> done) { // one file: no partitions
    if (closing || failure != null) {
      done.completeExceptionally(unavailable());
      return;
    }
    Pending pending = Pending.append(encodedRecord, done);
    try {
      if (!queue.offer(pending, 1, TimeUnit.SECONDS)) {
        done.completeExceptionally(new LogUnavailableException("the feedback log is overloaded: its queue stayed full for 1 s"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done.completeExceptionally(new LogUnavailableException("interrupted while queueing a record", e));
    }
  }

  @Override
  public long recordCount() {
    return recordCount;
  }

  private void writeLoop() {
    List<Pending> group = new ArrayList<>(MAX_GROUP);
    try {
      while (!closing || !queue.isEmpty()) {
        Pending first = queue.poll(options.fsyncInterval().toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) {
          forceIfIntervalPassed();
          continue;
        }
        group.add(first);
        queue.drainTo(group, MAX_GROUP - 1);
        commitInOrder(group);
        group.clear();
      }
      segment.force(false);
    } catch (IOException | RuntimeException e) {
      failure = e;
      log.error("Feedback log writer failed; appends are refused from now on", e);
      LogUnavailableException refused = new LogUnavailableException("the feedback log failed: " + e, e);
      group.forEach(p -> p.done().completeExceptionally(refused));
      List<Pending> rest = new ArrayList<>();
      queue.drainTo(rest);
      rest.forEach(p -> p.done().completeExceptionally(refused));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Commits the appends of {@code group} in groups, and runs its tasks between them, in queue order. */
  private void commitInOrder(List<Pending> group) throws IOException {
    int from = 0;
    for (int i = 0; i < group.size(); i++) {
      Pending task = group.get(i);
      if (task.task() == null) {
        continue;
      }
      if (i > from) {
        commitOrRefuse(group.subList(from, i));
      }
      try {
        task.task().run();
        task.done().complete(null);
      } catch (IOException | RuntimeException e) {
        task.done().completeExceptionally(e);
        if (e instanceof SyncFailedException) {
          throw (SyncFailedException) e; // a segment renamed but not durably: stop, as after a failed fsync
        }
      }
      from = i + 1;
    }
    if (from < group.size()) {
      commitOrRefuse(group.subList(from, group.size()));
    }
  }

  @Override
  public boolean canErase() {
    return true;
  }

  /**
   * Replaces every record that matches (a forgotten user's) with an erased record in its place,
   * in every segment, and then runs {@code beforeNextCommit}: on the writer thread, between two
   * group commits, so every record appended before this call is erased and no later one commits
   * before {@code beforeNextCommit} returns. Completes with the number of records erased.
   *
   * <p>Two passes keep appends flowing: the sealed segments (all but the newest two) are read and
   * rewritten on the caller's thread while the writer goes on; only the rest (the newest two, the
   * one being written among them, and any sealed during the first pass) are handled on the writer
   * thread, which then pauses appends for about two segments' read and rewrite, however long the
   * log.
   */
  @Override
  public CompletableFuture<Long> erase(Predicate<LogRecord> matching, Runnable beforeNextCommit) {
    if (closing || failure != null) {
      return CompletableFuture.failedFuture(unavailable());
    }
    long[] erased = {0};
    java.util.Set<Path> sealedDone = new java.util.HashSet<>();
    try {
      synchronized (segmentFiles) {
        List<Path> segments = segments(directory);
        // The writer appends to the newest segment, or to the one before it while a roll it could
        // not finish (the new file refused) is undone: neither is touched here.
        for (Path sealed : segments.subList(0, Math.max(0, segments.size() - 2))) {
          erased[0] += SegmentErasure.erase(sealed, matching);
          sealedDone.add(sealed);
        }
      }
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    WriterTask task = () -> {
      synchronized (segmentFiles) {
        try {
          segment.force(false);
        } catch (IOException e) {
          throw syncFailed(e); // not retried: the writer stops, as after any failed fsync
        }
        for (Path file : segments(directory)) {
          if (sealedDone.contains(file)) {
            continue; // sealed before the first pass began: nothing was appended to it since
          }
          // The segment being written: the writer moves to the new file the moment it replaces
          // the old, so no append can go to an unlinked file.
          erased[0] += file.equals(segmentPath)
              ? SegmentErasure.erase(file, matching, this::reopenRewrittenSegment)
              : SegmentErasure.erase(file, matching);
        }
      }
      beforeNextCommit.run();
    };
    try {
      if (!queue.offer(new Pending(null, done, task), 10, TimeUnit.SECONDS)) {
        return CompletableFuture.failedFuture(new LogUnavailableException("the feedback log is overloaded: its queue stayed full for 10 s"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(new LogUnavailableException("interrupted while queueing an erasure", e));
    }
    if (failure != null || (closing && !writer.isAlive())) {
      // The writer stopped after the first pass: nothing will run the task (a no-op if it did).
      done.completeExceptionally(new LogUnavailableException("the feedback log stopped during the erasure; repeat it", failure));
    }
    return done.thenApply(ok -> erased[0]);
  }

  /** Why an append or an erasure is refused once the log is closing or its writer failed. */
  private LogUnavailableException unavailable() {
    return new LogUnavailableException("the feedback log is " + (closing ? "closed" : "broken"), failure);
  }

  /** The segment being written was renamed over: append to the new file from its end. */
  private void reopenRewrittenSegment() throws IOException {
    segment.close();
    segment = FileChannel.open(segmentPath, StandardOpenOption.WRITE);
    segmentSize = segment.size();
    segment.position(segmentSize);
  }

  /**
   * Commits a group; if the disk refuses its writes (full, or an I/O error), takes its bytes back
   * off the segment and refuses the group's appends with the reason, so nothing unacknowledged
   * stays on disk and the next group, once there is room again, lands where this one would have.
   * Only a failure to take the bytes back (or an fsync failure, after which the page cache cannot
   * be trusted) stops the log.
   */
  private void commitOrRefuse(List<Pending> group) throws IOException {
    long start = segmentSize;
    try {
      commit(group);
    } catch (IOException e) {
      if (e instanceof SyncFailedException) {
        throw e;
      }
      buffer.clear();
      segment.truncate(start);
      segment.position(start);
      segmentSize = start;
      refusedGroups.increment();
      String reason = "the feedback log could not write (" + e.getMessage() + "): nothing of it was stored; retry later";
      logRefusal(group.size(), reason);
      LogUnavailableException refused = new LogUnavailableException(reason, e);
      group.forEach(p -> p.done().completeExceptionally(refused));
    }
  }

  /** A full disk refuses every group: one warning per 10 s with the count, not one per group. */
  private void logRefusal(int appends, String reason) {
    refusedSinceWarning += appends;
    long now = System.nanoTime();
    if (lastRefusalWarning == 0 || now - lastRefusalWarning >= TimeUnit.SECONDS.toNanos(10)) {
      log.warn("Feedback log: {} appends refused since the last warning: {}", refusedSinceWarning, reason);
      refusedSinceWarning = 0;
      lastRefusalWarning = now;
    }
  }

  /** One group, in one segment: roll first if it would not fit, write every record, fsync once, then complete. */
  private void commit(List<Pending> group) throws IOException {
    long groupBytes = 0;
    for (Pending pending : group) {
      groupBytes += RecordFrames.framedSize(pending.payload().length);
    }
    if (segmentSize > 0 && segmentSize + groupBytes > options.segmentBytes()) {
      rollSegment(recordCount);
    }
    for (int i = 0; i < group.size(); i++) {
      Pending pending = group.get(i);
      int framed = RecordFrames.framedSize(pending.payload().length);
      if (buffer.remaining() < framed) {
        flushBuffer();
        if (buffer.capacity() < framed) {
          buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(framed) << 1);
        }
      }
      RecordFrames.write(buffer, pending.payload());
    }
    flushBuffer();
    try {
      if (options.fsync() == FsyncPolicy.BATCH) {
        force();
      } else {
        forceIfIntervalPassed();
      }
    } catch (IOException e) {
      throw syncFailed(e);
    }
    recordCount += group.size();
    groupCommits.increment();
    groupCommitRecords.add(group.size());
    for (Pending pending : group) {
      pending.done().complete(null);
    }
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      segmentSize += segment.write(buffer);
    }
    buffer.clear();
  }

  /** Opens the next segment before closing this one: if the disk refuses it, the current segment stays open. */
  private void rollSegment(long firstSequence) throws IOException {
    try {
      force();
    } catch (IOException e) {
      throw syncFailed(e);
    }
    Path next = directory.resolve(segmentName(firstSequence));
    FileChannel opened = FileChannel.open(next, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      AtomicFiles.syncDirectory(directory);
    } catch (IOException e) {
      opened.close();
      Files.deleteIfExists(next);
      throw e;
    }
    segment.close();
    segment = opened;
    segmentPath = next;
    segmentSize = 0;
  }

  /** An fsync failure is not retried: after one, what the page cache holds cannot be trusted (PostgreSQL's "fsyncgate"). */
  private static SyncFailedException syncFailed(IOException e) {
    SyncFailedException failed = new SyncFailedException("fsync failed: " + e.getMessage());
    failed.initCause(e);
    return failed;
  }

  private void forceIfIntervalPassed() throws IOException {
    if (System.nanoTime() - lastForceNanos >= options.fsyncInterval().toNanos()) {
      force();
    }
  }

  /** fsync of the open segment, timed: the cost every acknowledgement waits for under BATCH. */
  private void force() throws IOException {
    long start = System.nanoTime();
    segment.force(false);
    lastForceNanos = System.nanoTime();
    fsyncs.increment();
    fsyncNanos.add(lastForceNanos - start);
  }

  /** One writer, one order: the effects thread's position is the log's. */
  @Override
  public CompletableFuture<FeedbackProcessor.Captured> capture(FeedbackProcessor processor, List<SnapshotPart> parts) {
    return processor.capture(parts);
  }

  @Override
  public FeedbackProcessor.Captured captureClosed(FeedbackProcessor processor, List<SnapshotPart> parts) {
    return processor.captureClosed(parts);
  }

  /**
   * Deletes the oldest segments that hold only records before {@code coveredBelow} (a durable
   * snapshot holds their effect) while {@code retention} says they go; never the segment being
   * written. Safe beside the writer. Returns the number of segments deleted.
   */
  @Override
  public int retire(long coveredBelow, LogRetention retention) throws IOException {
    synchronized (segmentFiles) {
      return retireSegments(coveredBelow, retention);
    }
  }

  private int retireSegments(long coveredBelow, LogRetention retention) throws IOException {
    List<Path> segments = segments(directory);
    long logBytes = 0;
    long[] sizes = new long[segments.size()];
    for (int i = 0; i < segments.size(); i++) {
      sizes[i] = Files.size(segments.get(i));
      logBytes += sizes[i];
    }
    long now = System.currentTimeMillis();
    int retired = 0;
    // The last segment listed may be the one being written: it is never a candidate.
    for (int i = 0; i + 1 < segments.size() && firstSequenceOf(segments.get(i + 1)) <= coveredBelow; i++) {
      long age = now - Files.getLastModifiedTime(segments.get(i)).toMillis();
      if (!retention.retires(logBytes, age)) {
        break; // oldest first: if this one stays, so do the younger ones
      }
      Files.delete(segments.get(i));
      logBytes -= sizes[i];
      retired++;
    }
    if (retired > 0) {
      AtomicFiles.syncDirectory(directory);
      retiredSegments.add(retired);
      log.info("Feedback log: retired {} segments covered by the snapshot at record {}; {} MiB kept", retired, coveredBelow, logBytes >> 20);
    }
    return retired;
  }

  /** Segments deleted by {@link #retire} since open. */
  public long retiredSegments() {
    return retiredSegments.sum();
  }

  /** Group commits (one write and, under BATCH, one fsync each) since open. */
  public long groupCommits() {
    return groupCommits.sum();
  }

  /** Records written by those group commits. */
  public long groupCommitRecords() {
    return groupCommitRecords.sum();
  }

  /** fsyncs of the log's segments since open (group commits, background fsyncs). */
  public long fsyncs() {
    return fsyncs.sum();
  }

  /** Groups whose writes the disk refused (full, I/O error); their appends failed, nothing of them stayed. */
  public long refusedGroups() {
    return refusedGroups.sum();
  }

  /** Seconds those fsyncs took, summed. */
  public double fsyncSeconds() {
    return fsyncNanos.sum() / 1e9;
  }

  @Override
  public void close() {
    closing = true;
    try {
      writer.join();
      // An append that raced with close may have queued after the writer's last look.
      List<Pending> late = new ArrayList<>();
      queue.drainTo(late);
      late.forEach(p -> p.done().completeExceptionally(new LogUnavailableException("the feedback log is closed")));
      segment.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
