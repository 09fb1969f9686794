package io.recsys.server.model;

import io.recsys.server.catalog.CatalogSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the live model and swaps it atomically. A request leases the model it started with and
 * keeps it until it is done, so a swap neither fails nor blocks an in-flight call; the old session
 * closes after its last lease is returned.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  /** The content baseline: item tower = MiniLM embeddings, plus the popularity prior. */
  static final String BASELINE_VERSION = "v1";

  private final OnnxRuntime runtime;
  private final float popularityWeight;
  private final ModelVersionInfo baseline;
  private final AtomicReference<RetrievalModel> live = new AtomicReference<>();

  public ModelRegistry(OnnxRuntime runtime, float popularityWeight, CatalogSnapshot catalog) {
    this.runtime = runtime;
    this.popularityWeight = popularityWeight;
    this.baseline =
        new ModelVersionInfo(
            BASELINE_VERSION,
            ModelVersionInfo.State.LIVE,
            Instant.now(),
            "content baseline: MiniLM item embeddings, popularity prior x " + popularityWeight);
    live.set(buildFor(catalog));
  }

  /** Leases the live model; close the lease when the call is done. */
  public RetrievalModel.Lease acquire() {
    while (true) {
      RetrievalModel model = live.get();
      if (model == null) {
        throw new IllegalStateException("the model registry is closed");
      }
      if (model.tryAcquire()) {
        return new RetrievalModel.Lease(model);
      }
      // Lost a race with a swap that already closed this model: the next read sees its successor.
    }
  }

  /** Builds, but does not publish, the live weights over another catalog snapshot. */
  public RetrievalModel buildFor(CatalogSnapshot catalog) {
    long start = System.nanoTime();
    RetrievalModel model = RetrievalModel.create(runtime, baseline.version(), catalog, popularityWeight);
    log.info(
        "Built retrieval session {} over catalog v{} ({} items x {} dims) on {} in {} ms",
        model.version(),
        catalog.version(),
        catalog.size(),
        catalog.dimension(),
        runtime.deviceName(),
        (System.nanoTime() - start) / 1_000_000);
    return model;
  }

  /** Makes {@code next} live; the previous model closes once its last lease is returned. */
  public void publish(RetrievalModel next) {
    RetrievalModel previous = live.getAndSet(next);
    if (previous == null) {
      live.set(null);
      next.retire();
      throw new IllegalStateException("the model registry is closed");
    }
    previous.retire();
  }

  /** The version live now. */
  public String liveVersion() {
    RetrievalModel model = live.get();
    return model == null ? "" : model.version();
  }

  /** All versions, newest first. */
  public List<ModelVersionInfo> versions() {
    return List.of(baseline);
  }

  /** Stops serving; the live session closes once in-flight calls return their leases. */
  @Override
  public void close() {
    RetrievalModel model = live.getAndSet(null);
    if (model != null) {
      model.retire();
    }
  }
}
