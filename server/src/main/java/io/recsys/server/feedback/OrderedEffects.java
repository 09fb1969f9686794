package io.recsys.server.feedback;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs the effects of durable reactions in the order they were handed over (log
 * order, so replaying the log rebuilds the same state), off the log writer's thread. Its queue is
 * bounded, and a full queue makes the submitting thread wait instead of failing: backpressure
 * that reaches the feedback streams through the log's own queue.
 */
final class OrderedEffects implements Executor, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OrderedEffects.class);

  private final ThreadPoolExecutor thread;

  OrderedEffects(int capacity) {
    this.thread =
        new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(capacity),
            runnable -> {
              Thread effects = new Thread(runnable, "feedback-effects");
              effects.setDaemon(true);
              return effects;
            },
            OrderedEffects::waitForRoom);
  }

  private static void waitForRoom(Runnable task, ThreadPoolExecutor executor) {
    if (executor.isShutdown()) {
      throw new RejectedExecutionException("the feedback processor is closed");
    }
    try {
      executor.getQueue().put(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RejectedExecutionException("interrupted while waiting for the effects queue", e);
    }
  }

  @Override
  public void execute(Runnable effect) {
    thread.execute(effect);
  }

  /** Whether {@link #close} let every effect finish and the thread is gone. */
  boolean isTerminated() {
    return thread.isTerminated();
  }

  /** Lets queued effects finish. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("Feedback effects did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
