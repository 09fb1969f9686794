package io.recsys.server.model;

import io.recsys.server.catalog.CatalogSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the live {@link ServingModel} and swaps it atomically: a new catalog swaps the retrieval
 * stage, a new learned version swaps the Q-network. A request leases the model it started with and
 * keeps it until it is done, so a swap neither fails nor blocks an in-flight call; a replaced
 * session closes after its last lease is returned.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  /** The content baseline: item tower = MiniLM embeddings, plus the popularity prior, no re-ranker. */
  static final String BASELINE_VERSION = "v1";

  private final OnnxRuntime runtime;
  private final ItemSpaceSource itemSpaces;
  private final TopKSelection selection;
  private final AtomicReference<ServingModel> live = new AtomicReference<>();
  private final Object swaps = new Object();
  private final AtomicLong retrievalSwaps = new AtomicLong();
  private final AtomicLong rankerSwaps = new AtomicLong();
  /** Every version this process knows, oldest first; guarded by {@code swaps}. */
  private final List<ModelVersionInfo> history = new ArrayList<>();

  /** Content only: the embeddings and the popularity prior times {@code popularityWeight}, nothing learned per item. */
  public ModelRegistry(OnnxRuntime runtime, float popularityWeight, CatalogSnapshot catalog) {
    this(runtime, ItemSpaceSource.contentOnly(popularityWeight), "popularity prior x " + popularityWeight, catalog);
  }

  /**
   * @param itemSpaces the learned item side every retrieval session is built with
   * @param itemSide what it is, for the baseline version's description
   */
  public ModelRegistry(OnnxRuntime runtime, ItemSpaceSource itemSpaces, String itemSide, CatalogSnapshot catalog) {
    this(runtime, itemSpaces, itemSide, catalog, TopKSelection.forDevice(runtime.deviceName()));
  }

  /** @param selection how retrieval picks each user's best rows (the server's: {@link TopKSelection#forDevice}) */
  public ModelRegistry(
      OnnxRuntime runtime, ItemSpaceSource itemSpaces, String itemSide, CatalogSnapshot catalog, TopKSelection selection) {
    this.runtime = runtime;
    this.itemSpaces = itemSpaces;
    this.selection = selection;
    ModelVersionInfo baseline =
        new ModelVersionInfo(
            BASELINE_VERSION,
            ModelVersionInfo.State.LIVE,
            Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS), // as the model history stores it
            "retrieval baseline: MiniLM item embeddings, " + itemSide);
    live.set(new ServingModel(buildFor(catalog), null, baseline));
    history.add(baseline);
  }

  public OnnxRuntime runtime() {
    return runtime;
  }

  /** Leases the live model; close the lease when the call is done. */
  public ServingModel.Lease acquire() {
    while (true) {
      ServingModel model = live.get();
      if (model == null) {
        throw new IllegalStateException("the model registry is closed");
      }
      if (model.tryAcquire()) {
        return new ServingModel.Lease(model);
      }
      // Lost a race with a swap that already released this model: the next read sees its successor.
    }
  }

  /** Builds, but does not publish, a retrieval stage over another catalog snapshot. */
  public RetrievalModel buildFor(CatalogSnapshot catalog) {
    long start = System.nanoTime();
    RetrievalModel model = build(catalog);
    log.info(
        "Built retrieval session over catalog v{} ({} items x {} dims) on {} in {} ms",
        catalog.version(), catalog.size(), model.dimension(), runtime.deviceName(),
        (System.nanoTime() - start) / 1_000_000);
    return model;
  }

  /**
   * Publishes the item space learned so far into the live retrieval stage (the same session, new
   * learned tensors), unless a newer catalog went live meanwhile. Returns whether it was published.
   */
  public boolean republishItemSpace() {
    RetrievalModel next;
    try (ServingModel.Lease lease = acquire()) {
      RetrievalModel current = lease.model().retrieval();
      next = current.withItemSpace(itemSpaces.spaceFor(current.catalog()));
    }
    return publish(next);
  }

  private RetrievalModel build(CatalogSnapshot catalog) {
    return RetrievalModel.create(runtime, "catalog-v" + catalog.version(), catalog, itemSpaces.spaceFor(catalog), selection);
  }

  /**
   * Makes {@code next} the retrieval stage; the re-ranker and version stay. A stage over an older
   * catalog than the live one is retired instead (a rebuild that lost a race with an upsert), and
   * false returned.
   */
  public boolean publish(RetrievalModel next) {
    synchronized (swaps) {
      ServingModel current = live.get();
      if (current == null) {
        next.retire();
        throw new IllegalStateException("the model registry is closed");
      }
      if (next.catalog().version() < current.retrieval().catalog().version()) {
        next.retire();
        return false;
      }
      QNetworkModel ranker = current.ranker();
      if (ranker != null && !ranker.retain()) {
        throw new IllegalStateException("the live re-ranker was closed under the registry");
      }
      live.set(new ServingModel(next, ranker, current.version()));
      current.release();
      retrievalSwaps.incrementAndGet();
      return true;
    }
  }

  /**
   * Makes {@code ranker} the re-ranker under {@code version} (null: the content baseline again);
   * the retrieval stage stays.
   */
  public void publish(QNetworkModel ranker, ModelVersionInfo version) {
    synchronized (swaps) {
      ServingModel current = live.get();
      if (current == null) {
        if (ranker != null) {
          ranker.close();
        }
        throw new IllegalStateException("the model registry is closed");
      }
      if (!current.retrieval().retain()) {
        throw new IllegalStateException("the live retrieval stage was closed under the registry");
      }
      live.set(new ServingModel(current.retrieval(), ranker, version));
      current.release();
      rankerSwaps.incrementAndGet();
      replaceInHistory(recorded(current.version()).withState(ModelVersionInfo.State.RETIRED));
      if (!replaceInHistory(version.withState(ModelVersionInfo.State.LIVE))) {
        history.add(version.withState(ModelVersionInfo.State.LIVE));
      }
      log.info("Model {} is live ({})", version.version(), version.description());
    }
  }

  /** Retrieval stages swapped in (new catalogs, republished item spaces) since start. */
  public long retrievalSwaps() {
    return retrievalSwaps.get();
  }

  /** Re-rankers swapped in (published, pinned versions) since start. */
  public long rankerSwaps() {
    return rankerSwaps.get();
  }

  /** The version live now. */
  public String liveVersion() {
    ServingModel model = live.get();
    return model == null ? "" : model.version().version();
  }

  /** The live version's description, as the history holds it (restored from an earlier run, say). */
  public ModelVersionInfo liveVersionInfo() {
    ServingModel model = live.get();
    if (model == null) {
      throw new IllegalStateException("the model registry is closed");
    }
    synchronized (swaps) {
      return recorded(model.version());
    }
  }

  /** The history's entry for {@code version}'s name (its first-recorded time), else {@code version}. Caller holds swaps. */
  private ModelVersionInfo recorded(ModelVersionInfo version) {
    int index = indexInHistory(version.version());
    return index < 0 ? version : history.get(index);
  }

  /** Records a version the safety gate refused; it never served. */
  public void recordRejected(ModelVersionInfo version) {
    synchronized (swaps) {
      history.add(version.withState(ModelVersionInfo.State.REJECTED));
    }
    log.info("Model {} rejected: {}", version.version(), version.description());
  }

  /** Adds versions known from an earlier run (the store's history), oldest first. */
  public void restoreHistory(List<ModelVersionInfo> versions) {
    synchronized (swaps) {
      for (ModelVersionInfo version : versions) {
        if (!replaceInHistory(version)) {
          history.add(version);
        }
      }
    }
  }

  /** Drops {@code forgotten} from the history (the store's retention forgot them); the live version stays. */
  public void forget(java.util.Collection<String> forgotten) {
    if (forgotten.isEmpty()) {
      return;
    }
    synchronized (swaps) {
      String live = liveVersion();
      history.removeIf(
          info -> forgotten.contains(info.version()) && !info.version().equals(live) && !info.version().equals(BASELINE_VERSION));
    }
  }

  /** The baseline's description: what serves when no learned version does. */
  public ModelVersionInfo baseline() {
    synchronized (swaps) {
      return history.get(0);
    }
  }

  private boolean replaceInHistory(ModelVersionInfo version) {
    int index = indexInHistory(version.version());
    if (index >= 0) {
      history.set(index, version);
    }
    return index >= 0;
  }

  private int indexInHistory(String version) {
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).version().equals(version)) {
        return i;
      }
    }
    return -1;
  }

  /** Every version this process knows, newest first. */
  public List<ModelVersionInfo> versions() {
    synchronized (swaps) {
      List<ModelVersionInfo> newestFirst = new ArrayList<>(history);
      java.util.Collections.reverse(newestFirst);
      return newestFirst;
    }
  }

  /** Stops serving; the live sessions close once in-flight calls return their leases. */
  @Override
  public void close() {
    ServingModel model = live.getAndSet(null);
    if (model != null) {
      model.release();
    }
  }
}
