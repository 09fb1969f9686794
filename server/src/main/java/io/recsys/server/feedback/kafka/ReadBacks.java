package io.recsys.server.feedback.kafka;

import io.recsys.server.feedback.LogUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's appends between sending and reading back, bounded twice: by bytes (past the
 * bound an append is refused at once, so a lagging tailer or a stalled broker never grows memory
 * or blocks a serving thread) and by time (an append not read back within the timeout fails, so
 * no caller waits forever on a tailer that stopped).
 */
final class ReadBacks {
  private record Waiting(CompletableFuture<Void> append, int bytes, long sentNanos) {}

  private final ConcurrentSkipListMap<Long, Waiting> waiting = new ConcurrentSkipListMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long maxBytes;
  private final long timeoutNanos;

  ReadBacks(long maxBytes, Duration timeout) {
    this.maxBytes = maxBytes;
    this.timeoutNanos = timeout.toNanos();
  }

  /** Registers {@code append} under {@code sequence}; false (nothing registered) past the byte bound. */
  boolean await(long sequence, int size, CompletableFuture<Void> append) {
    if (bytes.addAndGet(size) > maxBytes) {
      bytes.addAndGet(-size);
      return false;
    }
    waiting.put(sequence, new Waiting(append, size, System.nanoTime()));
    return true;
  }

  /** The append {@code sequence} belongs to, now read back; null if it already failed or timed out. */
  CompletableFuture<Void> readBack(long sequence) {
    Waiting done = waiting.remove(sequence);
    if (done == null) {
      return null;
    }
    bytes.addAndGet(-done.bytes());
    return done.append();
  }

  void fail(long sequence, Throwable error) {
    CompletableFuture<Void> append = readBack(sequence);
    if (append != null) {
      append.completeExceptionally(error);
    }
  }

  /** Fails the appends sent longer ago than the timeout (oldest first); returns how many. */
  int expire() {
    int expired = 0;
    long now = System.nanoTime();
    for (Map.Entry<Long, Waiting> oldest = waiting.firstEntry();
        oldest != null && now - oldest.getValue().sentNanos() > timeoutNanos;
        oldest = waiting.firstEntry()) {
      fail(oldest.getKey(), new LogUnavailableException(
          "the record was not read back from Kafka within " + timeoutNanos / 1_000_000 + " ms; it may still apply: resend, a repeat is DUPLICATE"));
      expired++;
    }
    return expired;
  }

  void failAll(String why) {
    for (Long sequence : waiting.keySet()) {
      fail(sequence, new LogUnavailableException(why));
    }
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  int size() {
    return waiting.size();
  }
}
