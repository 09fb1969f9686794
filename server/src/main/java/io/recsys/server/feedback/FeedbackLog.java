package io.recsys.server.feedback;

import io.recsys.server.feedback.log.LogRecord;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The durable, ordered log of impressions and feedback. The local segmented file is the embedded
 * default; a Kafka topic partitioned by user is the many-node one, behind the same interface.
 * Records become durable in append order: once a record is durable, so is every earlier one.
 */
public interface FeedbackLog extends AutoCloseable {
  /**
   * Queues {@code record}; the future completes when it is durable, or fails with {@link
   * LogUnavailableException} when the log cannot take it (overloaded, broken or closed).
   */
  default CompletableFuture<Void> append(LogRecord record) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    append(record, done);
    return done;
  }

  /**
   * Queues {@code record} and completes {@code whenDurable} as {@link #append(LogRecord)} would.
   * Whatever was chained on {@code whenDurable} before this call runs on the log's own thread, in
   * log order: the feedback loop relies on that to apply durable records in the order a replay
   * will (a future returned by the other form may already be complete when a caller chains on it).
   */
  default void append(LogRecord record, CompletableFuture<Void> whenDurable) {
    append(LogRecords.userOf(record), record.toByteArray(), whenDurable);
  }

  /**
   * As {@link #append(LogRecord, CompletableFuture)}, for a record already serialised (a {@code
   * LogRecord}'s bytes) of {@code userId}'s: the hot path encodes impressions straight into their
   * bytes, without a message builder's copies of every candidate id. The log owns the array from
   * now on. A log split into partitions keeps each user's records in one, in order.
   */
  void append(String userId, byte[] encodedRecord, CompletableFuture<Void> whenDurable);

  /**
   * The sequence number the next record gets: every record ever appended counts, those of
   * retired segments included.
   */
  long recordCount();

  /**
   * Replaces every stored record that matches (a forgotten user's) with an erased one in its
   * place, then runs {@code beforeNextCommit} before any later record commits; completes with the
   * number of records erased. A log that cannot rewrite what it stored fails with {@link
   * UnsupportedOperationException}.
   */
  default CompletableFuture<Long> erase(Predicate<LogRecord> matching, Runnable beforeNextCommit) {
    return CompletableFuture.failedFuture(cannotErase());
  }

  /** Whether {@link #erase} can rewrite this log: asked before anything else of an erasure changes. */
  default boolean canErase() {
    return false;
  }

  static UnsupportedOperationException cannotErase() {
    return new UnsupportedOperationException(
        "this feedback log cannot rewrite its records (a Kafka topic is erased by the topic's own retention or compaction)");
  }

  /**
   * Hands every stored record to {@code sink}, oldest first, beside appends; fails with {@link
   * UnsupportedOperationException} where the log cannot be read back from here.
   */
  default void readStored(Consumer<LogRecord> sink) throws IOException {
    throw new UnsupportedOperationException(
        "this feedback log is not read back by the server (a Kafka topic: export from the topic itself, keyed by user id)");
  }

  /** Makes everything appended so far durable, then releases the log. */
  @Override
  void close();
}
