package io.recsys.server.policy;

import io.recsys.server.model.BatchWait;
import io.recsys.server.model.DynamicBatcher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The one path a query takes from arrival to a drawn list: queued for the dynamic batcher (so
 * concurrent callers share one model call), scored as part of a batch by {@link
 * Recommender#score}, then drawn by {@link Recommender#draw} on a finishing thread, so the
 * batcher's thread goes straight back to the next model call. With batching off (a batch size of
 * 1) the same two stages run on the caller's thread.
 */
public final class RecommendPipeline implements AutoCloseable {
  /** Queries that may wait for a batch; past it a query fails with {@link java.util.concurrent.RejectedExecutionException}. */
  private static final int QUEUE_CAPACITY = 4_096;

  private final Recommender recommender;
  private final DynamicBatcher<Queued, Candidates> batcher;
  /**
   * Draws each batched query. Its queue cannot overflow in practice (the batcher's queue and the
   * scoring bulkhead bound what is in flight); if it ever did, the batcher's thread draws the
   * query itself.
   */
  private final ThreadPoolExecutor finishing;

  private record Queued(RecommendQuery query, BooleanSupplier abandoned) {}

  /** @param maxBatch 1 turns batching off: each call scores alone on its own thread */
  public RecommendPipeline(Recommender recommender, int maxBatch, Duration maxDelay) {
    this(recommender, maxBatch, BatchWait.Mode.FIXED, maxDelay);
  }

  /**
   * @param maxBatch 1 turns batching off: each call scores alone on its own thread
   * @param waitMode whether a batch always waits up to {@code maxDelay} to fill, or only while that pays
   */
  public RecommendPipeline(Recommender recommender, int maxBatch, BatchWait.Mode waitMode, Duration maxDelay) {
    this.recommender = recommender;
    if (maxBatch <= 1) {
      this.batcher = null;
      this.finishing = null;
      return;
    }
    this.batcher =
        new DynamicBatcher<>(
            "recommend-batcher",
            queued -> recommender.score(queued.stream().map(Queued::query).toList()),
            queued -> queued.abandoned().getAsBoolean(),
            maxBatch,
            waitMode,
            maxDelay,
            QUEUE_CAPACITY);
    int threads = Runtime.getRuntime().availableProcessors();
    AtomicInteger counter = new AtomicInteger();
    this.finishing =
        new ThreadPoolExecutor(
            threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_CAPACITY + maxBatch),
            runnable -> {
              Thread thread = new Thread(runnable, "recommend-finish-" + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            },
            // Runs a rejected task on the submitting thread, also after shutdown: every query is answered.
            (task, pool) -> task.run());
  }

  /**
   * Answers one query. The future fails with {@link java.util.concurrent.RejectedExecutionException}
   * when the batch queue is full, with {@link DynamicBatcher.AbandonedException} when {@code
   * abandoned} turned true while the query waited (its caller gave up), else with what scoring or
   * drawing threw (possibly wrapped in a {@link java.util.concurrent.CompletionException}).
   */
  public CompletableFuture<Recommendation> recommend(RecommendQuery query, BooleanSupplier abandoned) {
    if (batcher == null) {
      try {
        return CompletableFuture.completedFuture(recommender.recommend(List.of(query)).get(0));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return batcher
        .submit(new Queued(query, abandoned))
        .thenApplyAsync(candidates -> recommender.draw(query, candidates), finishing);
  }

  /** Answers a batch the caller formed itself, on the caller's thread, all from one model version. */
  public List<Recommendation> recommendAll(List<RecommendQuery> queries) {
    return recommender.recommend(queries);
  }

  /** The batcher's counters (batches, queue delay, work time); empty with batching off. */
  public java.util.Optional<DynamicBatcher<?, ?>> batcher() {
    return java.util.Optional.ofNullable(batcher);
  }

  /** Mean queries per batcher batch so far; 0 with batching off. */
  public double meanBatchSize() {
    return batcher == null ? 0 : batcher.meanBatchSize();
  }

  /** Stops batching; queued queries are still answered. */
  @Override
  public void close() throws InterruptedException {
    if (batcher != null) {
      batcher.close();
      finishing.shutdown();
      if (!finishing.awaitTermination(10, TimeUnit.SECONDS)) {
        finishing.shutdownNow();
      }
    }
  }
}
