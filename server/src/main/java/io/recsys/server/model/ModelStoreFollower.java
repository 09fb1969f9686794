package io.recsys.server.model;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves what one trainer elsewhere publishes: polls a shared model store's live-version pointer
 * and, when it names another version than the one serving, loads that version's weights and swaps
 * it in (the registry's swap: a batch runs on one version, in-flight calls keep theirs). A replica
 * that follows never trains and never runs the safety gate: the trainer did, once, for all.
 * Weights that do not load, or read states of another dimension, are refused with a log line and
 * the current version keeps serving; the same pointer is tried again after {@link #RETRY_AFTER}
 * (a file system's passing error should not pin an old version until the next publish).
 */
public final class ModelStoreFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelStoreFollower.class);
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final Path store;
  private final ModelRegistry models;
  private final int dimension;
  private final ScheduledExecutorService thread;
  private final AtomicLong swaps = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile ModelVersionInfo lastRefused;
  private volatile long lastRefusedNanos;

  private ModelStoreFollower(Path store, ModelRegistry models, int dimension) {
    this.store = store;
    this.models = models;
    this.dimension = dimension;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(runnable -> {
          Thread follower = new Thread(runnable, "model-store-follower");
          follower.setDaemon(true);
          return follower;
        });
  }

  /** Follows {@code store}, looking every {@code interval}; the first look happens before this returns. */
  public static ModelStoreFollower start(Path store, ModelRegistry models, int dimension, Duration interval) {
    ModelStoreFollower follower = new ModelStoreFollower(store, models, dimension);
    follower.followOnce();
    follower.thread.scheduleWithFixedDelay(follower::followOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    log.info("Following the model store at {} (every {} ms)", store, interval.toMillis());
    return follower;
  }

  /** One look at the pointer; swaps if it names another version. */
  void followOnce() {
    Optional<ModelVersionInfo> pointed;
    try {
      pointed = ModelStoreFiles.readLivePointer(store);
    } catch (IOException e) {
      refuse(null, "its live-version pointer cannot be read: " + e.getMessage());
      return;
    }
    if (pointed.isEmpty()) {
      return; // the trainer has not published yet: the baseline serves
    }
    ModelVersionInfo live = pointed.get();
    if (live.version().equals(models.liveVersion())
        || (live.equals(lastRefused) && System.nanoTime() - lastRefusedNanos < RETRY_AFTER.toNanos())) {
      return;
    }
    QNetworkModel ranker = null;
    try {
      if (!live.version().equals(models.baseline().version())) {
        QNetworkWeights weights = ModelStoreFiles.readWeights(ModelStoreFiles.weightsFile(store, live.version()));
        if (weights.dimension() != dimension) {
          refuse(live, "its state dimension is " + weights.dimension() + ", the catalog's is " + dimension);
          return;
        }
        ranker = QNetworkModel.create(models.runtime(), live.version(), weights);
      }
      models.publish(ranker, live);
      swaps.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      if (ranker != null) {
        ranker.close();
      }
      refuse(live, e.getMessage());
    }
  }

  private void refuse(ModelVersionInfo live, String why) {
    lastRefused = live;
    lastRefusedNanos = System.nanoTime();
    if (refused.getAndIncrement() % 60 == 0) {
      log.error(
          "Not serving {} from the model store at {}: {}; model {} keeps serving",
          live == null ? "the live version" : live.version(), store, why, models.liveVersion());
    }
  }

  /** Versions swapped in from the store since start. */
  public long swaps() {
    return swaps.get();
  }

  /** Looks that found a version it could not serve (or an unreadable pointer). */
  public long refusals() {
    return refused.get();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
