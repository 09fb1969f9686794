package io.recsys.server.model;

import io.recsys.server.catalog.Catalog;
import io.recsys.server.catalog.CatalogItem;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a catalog change to serving as one unit: embed the items, build the retrieval session
 * over the next snapshot, log the change durably, then swap. If any step fails, serving and the
 * catalog stay as they were. Changes are applied one at a time.
 */
public final class CatalogUpdater {
  private static final Logger log = LoggerFactory.getLogger(CatalogUpdater.class);

  private final Catalog catalog;
  private final ModelRegistry models;

  public CatalogUpdater(Catalog catalog, ModelRegistry models) {
    this.catalog = catalog;
    this.models = models;
  }

  /** Result of an applied deletion. */
  public record Deletion(List<String> deleted, List<String> missing, long catalogVersion) {}

  /**
   * Retires the items {@code itemIds} names: logged durably, then served from a model over the
   * snapshot without them (the same session shapes: rows never move, so the retrieval session is
   * rebuilt only to stay in step with the snapshot it serves). Ids the catalog does not hold are
   * listed as missing; if none is held, nothing changes.
   */
  public synchronized Deletion delete(List<String> itemIds, Runnable beforeCommit) throws IOException {
    Catalog.StagedDeletion staged = catalog.stageDeletion(itemIds);
    if (staged.deleted().isEmpty()) {
      return new Deletion(staged.deleted(), staged.missing(), staged.base().version());
    }
    RetrievalModel next = models.buildFor(staged.snapshot());
    try {
      beforeCommit.run();
      catalog.commit(staged);
    } catch (IOException | RuntimeException e) {
      next.retire();
      throw e;
    }
    models.publish(next);
    log.info("Catalog v{}: {} items deleted", staged.snapshot().version(), staged.deleted().size());
    return new Deletion(staged.deleted(), staged.missing(), staged.snapshot().version());
  }

  /** Result of an applied change. */
  public record Outcome(int created, int updated, long catalogVersion) {}

  /**
   * @param beforeCommit runs just before the change becomes durable and throws if the caller no
   *     longer wants it (its call was cancelled or timed out, perhaps while this change waited
   *     for the one before it, or while its items were embedded): then nothing changes
   */
  public synchronized Outcome upsert(List<CatalogItem> items, Runnable beforeCommit) throws IOException {
    long start = System.nanoTime();
    Catalog.Staged staged = catalog.stage(items);
    RetrievalModel next = models.buildFor(staged.snapshot());
    try {
      beforeCommit.run();
      catalog.commit(staged);
    } catch (IOException | RuntimeException e) {
      next.retire();
      throw e;
    }
    models.publish(next);
    log.info(
        "Catalog v{}: {} items created, {} updated, servable after {} ms",
        staged.snapshot().version(),
        staged.created(),
        staged.updated(),
        (System.nanoTime() - start) / 1_000_000);
    return new Outcome(staged.created(), staged.updated(), staged.snapshot().version());
  }
}
