package io.recsys.server.feedback;

import io.recsys.server.storage.SnapshotFiles;
import io.recsys.server.storage.SnapshotPart;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the feedback loop's snapshots: every {@link SnapshotSettings#everyRecords} records (or
 * {@link SnapshotSettings#interval}, if records arrived) it captures every part on the effects
 * thread, writes the snapshot off it, and then retires the log segments no kept snapshot needs,
 * as the retention says. Closing it takes a last snapshot (after the processor closed, so nothing
 * is left to replay at the next start). Restart time then depends on the snapshot's size and the
 * records since it, not on the history.
 */
public final class Checkpointer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

  private final FeedbackProcessor processor;
  private final List<SnapshotPart> parts;
  private final SnapshotFiles files;
  private final SnapshotLog feedbackLog;
  private final SnapshotSettings settings;
  private final ScheduledExecutorService thread;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile long lastPosition;
  private volatile long lastNanos = System.nanoTime();
  private volatile double lastSeconds;
  private volatile long lastBytes;
  private volatile long retryAfterNanos;
  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
  /** A capture waits for the effects queue to drain to it: minutes means something is stuck. */
  private static final Duration CAPTURE_TIMEOUT = Duration.ofMinutes(2);

  /** @param restoredPosition the log position of the snapshot the start restored, 0 if none */
  public Checkpointer(
      FeedbackProcessor processor, List<SnapshotPart> parts, SnapshotFiles files, SnapshotLog feedbackLog,
      SnapshotSettings settings, long restoredPosition) {
    this.processor = processor;
    this.parts = List.copyOf(parts);
    this.files = files;
    this.feedbackLog = feedbackLog;
    this.settings = settings;
    this.lastPosition = restoredPosition;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(runnable -> {
          Thread snapshots = new Thread(runnable, "snapshots");
          snapshots.setDaemon(true);
          return snapshots;
        });
  }

  /** Starts looking once a second whether a snapshot is due. */
  public Checkpointer start() {
    thread.scheduleWithFixedDelay(this::snapshotIfDue, 1, 1, TimeUnit.SECONDS);
    return this;
  }

  private void snapshotIfDue() {
    if (System.nanoTime() < retryAfterNanos) {
      return;
    }
    long records = feedbackLog.recordCount() - lastPosition;
    boolean due =
        records >= settings.everyRecords()
            || (records > 0 && System.nanoTime() - lastNanos >= settings.interval().toNanos());
    if (!due) {
      return;
    }
    try {
      captureAndWrite();
    } catch (java.util.concurrent.TimeoutException e) {
      retryAfterNanos = System.nanoTime() + RETRY_AFTER_FAILURE.toNanos();
      log.warn("No snapshot: the feedback loop did not capture its state within {} s; next try in {} s",
          CAPTURE_TIMEOUT.toSeconds(), RETRY_AFTER_FAILURE.toSeconds());
    } catch (ExecutionException e) {
      log.debug("No snapshot: the feedback loop is closing ({})", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // A full disk refuses the next try too: wait before writing hundreds of MB into it again.
      retryAfterNanos = System.nanoTime() + RETRY_AFTER_FAILURE.toNanos();
      if (failed.getAndIncrement() % 10 == 0) {
        log.warn("A snapshot could not be written (the log keeps everything since the last one; next try in {} s): {}",
            RETRY_AFTER_FAILURE.toSeconds(), e.toString());
      }
    }
  }

  /** Takes a snapshot now, on the caller's thread. */
  public SnapshotFiles.Stored snapshotNow() throws IOException, InterruptedException, ExecutionException {
    try {
      return captureAndWrite();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("the feedback loop did not capture its state within " + CAPTURE_TIMEOUT.toSeconds() + " s", e);
    }
  }

  /** Capture and write under one lock: a snapshot captured before an erasure is never written after it. */
  private synchronized SnapshotFiles.Stored captureAndWrite()
      throws IOException, InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    return write(feedbackLog.capture(processor, parts).get(CAPTURE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
  }

  /**
   * Runs {@code erasure} while no snapshot is being taken; if it {@code erasedAnything}, then takes
   * one and deletes every other snapshot: none taken before the erasure remains. Returns what
   * {@code erasure} returned. The fallback snapshot (the one before the newest) is gone until the
   * next scheduled one.
   */
  public synchronized <T> T replaceSnapshotsAfter(java.util.concurrent.Callable<T> erasure, java.util.function.Predicate<T> erasedAnything)
      throws Exception {
    T result = erasure.call();
    if (!erasedAnything.test(result)) {
      return result;
    }
    SnapshotFiles.Stored clean = captureAndWrite();
    int deleted = files.deleteAllBut(clean);
    log.info("Snapshot at log record {} replaces the {} snapshots taken before an erasure", clean.logPosition(), deleted);
    return result;
  }

  private synchronized SnapshotFiles.Stored write(FeedbackProcessor.Captured captured) throws IOException {
    long start = System.nanoTime();
    SnapshotFiles.Stored stored = files.write(captured.logPosition(), captured.joinFrom(), captured.partitionOffsets(), captured.parts());
    lastSeconds = (System.nanoTime() - start) / 1e9;
    lastBytes = stored.bytes();
    lastPosition = captured.logPosition();
    lastNanos = System.nanoTime();
    written.incrementAndGet();
    log.info(
        "Snapshot at log record {} ({} MiB) in {} ms",
        captured.logPosition(), stored.bytes() >> 20, Math.round(lastSeconds * 1_000));
    Optional<Long> needed = files.oldestNeededRecord();
    if (needed.isPresent()) {
      feedbackLog.retire(needed.get(), settings.retention());
    }
    return stored;
  }

  public long snapshotsWritten() {
    return written.get();
  }

  public long snapshotsFailed() {
    return failed.get();
  }

  public double lastSnapshotSeconds() {
    return lastSeconds;
  }

  public long lastSnapshotBytes() {
    return lastBytes;
  }

  /** Log records since the last snapshot: about what a restart now would replay. */
  public long recordsSinceSnapshot() {
    return Math.max(0, feedbackLog.recordCount() - lastPosition);
  }

  /**
   * Stops the schedule and, once the processor is closed, takes the last snapshot, so a graceful
   * restart replays nothing.
   */
  @Override
  public void close() {
    thread.shutdown(); // a snapshot being written finishes; no new one starts
    try {
      if (!thread.awaitTermination(120, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
      FeedbackProcessor.Captured last = feedbackLog.captureClosed(processor, parts);
      if (last.logPosition() > lastPosition) {
        write(last);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.warn("The last snapshot could not be written; the next start replays the log since the one before: {}", e.toString());
    }
  }
}
