package io.recsys.server.learning;

import io.recsys.server.model.ModelRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Republishes what the items learned into retrieval at a cadence: when the item parameters moved
 * since the last publish, the live retrieval stage is succeeded by one that shares its ONNX
 * session and holds the latest item space's tensors (the registry's ref-counted swap; one that
 * lost a race with a catalog upsert is dropped). Between publishes the learned item side serving
 * uses is at most one interval old; users' posteriors are always current.
 */
public final class ItemSpacePublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ItemSpacePublisher.class);

  private final ItemParameters items;
  private final ModelRegistry models;
  private final ScheduledExecutorService timer;
  private final AtomicLong publishes = new AtomicLong();
  private long publishedAt = -1;

  private ItemSpacePublisher(ItemParameters items, ModelRegistry models) {
    this.items = items;
    this.models = models;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "item-space-publisher");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Starts publishing every {@code interval}. */
  public static ItemSpacePublisher start(ItemParameters items, ModelRegistry models, Duration interval) {
    ItemSpacePublisher publisher = new ItemSpacePublisher(items, models);
    long millis = Math.max(1, interval.toMillis());
    publisher.timer.scheduleWithFixedDelay(publisher::publishIfMoved, millis, millis, TimeUnit.MILLISECONDS);
    return publisher;
  }

  /** One rebuild if the items moved; returns whether one was published. */
  boolean publishIfMoved() {
    try {
      long updates = items.updates();
      if (updates == publishedAt) {
        return false;
      }
      boolean published = models.republishItemSpace();
      publishedAt = updates;
      if (published) {
        publishes.incrementAndGet();
      }
      return published;
    } catch (RuntimeException e) {
      // A failed rebuild leaves the previous session serving; the next interval tries again.
      log.warn("Could not republish the learned item space: {}", e.toString());
      return false;
    }
  }

  /** Rebuilds published since start. */
  public long publishes() {
    return publishes.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
