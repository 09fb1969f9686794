package io.recsys.server.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers concurrent requests into one batch: a batch closes when it holds {@code maxBatch}
 * requests or when its first request has waited as long as the {@link BatchWait} allows (at most
 * {@code maxDelay}), then runs as one call of
 * {@code work} (one ONNX call per stage for the whole batch) and every caller gets its own result.
 * The queue is bounded: a full queue refuses at once ({@link RejectedExecutionException}). A
 * request already given up on ({@code abandoned}, e.g. its deadline passed while it waited) is
 * dropped from the batch instead of computed.
 *
 * @param <Q> a request
 * @param <R> its result; {@code work} returns one per request, in order
 */
public final class DynamicBatcher<Q, R> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

  private record Pending<Q, R>(Q request, CompletableFuture<R> result, long enqueuedNanos) {}

  private final Function<List<Q>, List<R>> work;
  private final Predicate<Q> abandoned;
  private final int maxBatch;
  private final BatchWait wait;
  private final LongAdder submitted = new LongAdder();
  private final BlockingQueue<Pending<Q, R>> queue;
  private final Thread worker;
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong requests = new AtomicLong();
  private final LongAdder queueDelayNanos = new LongAdder();
  private final LongAdder workNanos = new LongAdder();
  private volatile boolean closed;

  /** Waits up to {@code maxDelay} for every batch to fill ({@link BatchWait.Mode#FIXED}). */
  public DynamicBatcher(
      String name, Function<List<Q>, List<R>> work, Predicate<Q> abandoned, int maxBatch, Duration maxDelay, int queueCapacity) {
    this(name, work, abandoned, maxBatch, BatchWait.Mode.FIXED, maxDelay, queueCapacity);
  }

  public DynamicBatcher(
      String name,
      Function<List<Q>, List<R>> work,
      Predicate<Q> abandoned,
      int maxBatch,
      BatchWait.Mode waitMode,
      Duration maxDelay,
      int queueCapacity) {
    if (maxBatch < 1 || queueCapacity < 1 || maxDelay.isNegative()) {
      throw new IllegalArgumentException("a batcher needs a batch size >= 1, a queue capacity >= 1 and a delay >= 0");
    }
    this.work = work;
    this.abandoned = abandoned;
    this.maxBatch = maxBatch;
    this.wait = new BatchWait(waitMode, maxDelay, System.nanoTime());
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.worker = new Thread(this::run, name);
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** Queues a request; the future completes with its result, or fails with the batch's error. */
  public CompletableFuture<R> submit(Q request) {
    CompletableFuture<R> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(new IllegalStateException("the batcher is closed"));
    } else if (!queue.offer(new Pending<>(request, result, System.nanoTime()))) {
      result.completeExceptionally(new RejectedExecutionException("the batch queue is full (" + queue.size() + " waiting)"));
    } else {
      submitted.increment();
    }
    return result;
  }

  private void run() {
    List<Pending<Q, R>> batch = new ArrayList<>(maxBatch);
    while (!closed || !queue.isEmpty()) {
      try {
        Pending<Q, R> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = first.enqueuedNanos() + wait.nanosToWait(submitted.sum(), System.nanoTime());
        int ready = -1; // calls there before any wait
        boolean waited = false;
        while (batch.size() < maxBatch) {
          queue.drainTo(batch, maxBatch - batch.size());
          ready = ready < 0 ? batch.size() : ready;
          long left = deadline - System.nanoTime();
          if (batch.size() >= maxBatch || left <= 0) {
            break;
          }
          waited = true;
          Pending<Q, R> next = queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        if (waited) {
          wait.waited(batch.size() - ready);
        }
        runBatch(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void runBatch(List<Pending<Q, R>> batch) {
    List<Pending<Q, R>> live = new ArrayList<>(batch.size());
    for (Pending<Q, R> pending : batch) {
      if (abandoned.test(pending.request())) {
        pending.result().completeExceptionally(new AbandonedException());
      } else {
        live.add(pending);
      }
    }
    if (live.isEmpty()) {
      return;
    }
    List<Q> requestsOfBatch = new ArrayList<>(live.size());
    long start = System.nanoTime();
    for (Pending<Q, R> pending : live) {
      requestsOfBatch.add(pending.request());
      queueDelayNanos.add(start - pending.enqueuedNanos());
    }
    try {
      List<R> results = work.apply(requestsOfBatch);
      long took = System.nanoTime() - start;
      workNanos.add(took);
      wait.batchRan(took);
      for (int i = 0; i < live.size(); i++) {
        live.get(i).result().complete(results.get(i));
      }
      batches.incrementAndGet();
      requests.addAndGet(live.size());
    } catch (RuntimeException e) {
      live.forEach(p -> p.result().completeExceptionally(e));
    }
  }

  /** Batches run since start. */
  public long batches() {
    return batches.get();
  }

  /** Requests run in those batches. */
  public long batchedRequests() {
    return requests.get();
  }

  /** Seconds the batched requests waited in the queue, summed. */
  public double queueDelaySeconds() {
    return queueDelayNanos.sum() / 1e9;
  }

  /** Seconds the batches took to score, summed. */
  public double workSeconds() {
    return workNanos.sum() / 1e9;
  }

  /** Mean requests per batch so far. */
  public double meanBatchSize() {
    long b = batches.get();
    return b == 0 ? 0 : requests.get() / (double) b;
  }

  /** Lets queued requests finish, then stops. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    worker.join(10_000);
    log.info("{}: {} requests in {} batches, {} a batch on average", worker.getName(), requests.get(), batches.get(),
        String.format(java.util.Locale.ROOT, "%.1f", meanBatchSize()));
    if (worker.isAlive()) {
      log.warn("Batcher did not drain within 10 s");
      worker.interrupt();
    }
  }

  /** The request was given up on before its batch ran. */
  public static final class AbandonedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbandonedException() {
      super("abandoned while queued", null, false, false);
    }
  }
}
