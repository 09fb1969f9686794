package io.recsys.server.catalog;

import io.recsys.server.storage.DataDirectory;
import io.recsys.server.storage.RecordFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live catalog: the base items (a catalog file or the embedded default) plus every upsert
 * since, which is logged durably in the data dir and replayed on start. Reads go to an immutable
 * {@link CatalogSnapshot}; a change is staged (items embedded, next snapshot built), then committed
 * (logged, then made current). The caller serialises stage and commit.
 *
 * <p>A <em>text catalog</em> embeds every item's text with the language model; a <em>vector
 * catalog</em> takes each item's own {@link CatalogItem#embedding()} (vectors from the user's own
 * model, or from {@code train}) and needs no language model at all.
 */
public final class Catalog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Catalog.class);
  /** Items per language-model call batch while loading, also the progress bar's step. */
  private static final int EMBED_CHUNK = 256;

  /** The language model of a text catalog; null for a vector catalog. */
  private final ItemEmbedder embedder;
  private final int dimension;
  private final RecordFile upsertLog;
  private volatile CatalogSnapshot current;

  private Catalog(ItemEmbedder embedder, int dimension, RecordFile upsertLog, CatalogSnapshot current) {
    this.embedder = embedder;
    this.dimension = dimension;
    this.upsertLog = upsertLog;
    this.current = current;
  }

  /** Loads the language model of a text catalog, only when the catalog turns out to need one. */
  @FunctionalInterface
  public interface LanguageModel {
    ItemEmbedder load() throws IOException;
  }

  /**
   * Opens the catalog a server start serves from its data dir: a vector catalog when the base items
   * carry their own embeddings (no language model is loaded), else a text catalog embedded by
   * {@code languageModel}. Binds the data dir to that vector space first, so state written in
   * another space is refused before anything is read.
   */
  public static Catalog open(List<CatalogItem> baseItems, DataDirectory dataDir, LanguageModel languageModel)
      throws IOException {
    if (!baseItems.isEmpty() && baseItems.get(0).hasEmbedding()) {
      int dimension = baseItems.get(0).embeddingDimension();
      dataDir.requireVectorSpace("vector catalog of " + dimension + " dimensions");
      return openVectors(baseItems, dataDir.path());
    }
    ItemEmbedder embedder = languageModel.load();
    dataDir.requireVectorSpace(
        "text catalog embedded by " + embedder.modelId() + " (" + embedder.dimension() + " dimensions)");
    return open(baseItems, dataDir.path(), embedder);
  }

  /**
   * Loads a text catalog: base items, then the logged upserts over them; embeds every item whose
   * text is not in the embedding cache, and refreshes the cache.
   */
  public static Catalog open(List<CatalogItem> baseItems, Path dataDir, ItemEmbedder embedder)
      throws IOException {
    return open(baseItems, dataDir, embedder, embedder.dimension());
  }

  /**
   * Loads a vector catalog: every item, base or upserted, carries its own embedding of the
   * dimension the first base item has.
   */
  public static Catalog openVectors(List<CatalogItem> baseItems, Path dataDir) throws IOException {
    if (baseItems.isEmpty() || !baseItems.get(0).hasEmbedding()) {
      throw new IllegalArgumentException("a vector catalog needs base items that carry embeddings");
    }
    return open(baseItems, dataDir, null, baseItems.get(0).embeddingDimension());
  }

  private static Catalog open(List<CatalogItem> baseItems, Path dataDir, ItemEmbedder embedder, int dimension)
      throws IOException {
    Map<String, CatalogItem> items = new LinkedHashMap<>();
    baseItems.forEach(item -> items.put(item.id(), item));
    List<CatalogItem> upserted = new ArrayList<>();
    Set<String> deleted = new HashSet<>();
    long[] upsertBatches = {0};
    RecordFile upsertLog =
        RecordFile.open(
            DataDirectory.catalogUpsertsOf(dataDir),
            record -> {
              UpsertRecords.Change change = UpsertRecords.decodeChange(record);
              change.upserted().forEach(item -> {
                items.put(item.id(), item); // an id keeps the row of its first appearance
                upserted.add(item);
                deleted.remove(item.id());
              });
              change.deleted().forEach(itemId -> {
                if (items.containsKey(itemId)) {
                  deleted.add(itemId);
                }
              });
              upsertBatches[0]++;
            });
    try {
      List<CatalogItem> ordered = new ArrayList<>(items.values());
      log.info(
          "Catalog: {} base items, {} upsert batches replayed, {} items in all",
          baseItems.size(), upsertBatches[0], ordered.size());
      Catalog catalog = new Catalog(embedder, dimension, upsertLog, null);
      baseItems.forEach(catalog::requireServable);
      for (CatalogItem item : upserted) {
        try {
          catalog.requireServable(item);
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(
              "the catalog and the data dir's upserts do not fit together (a data dir belongs to one"
                  + " kind of catalog, text or vector): " + e.getMessage(), e);
        }
      }
      float[] embeddings =
          embedder != null
              ? embedAll(ordered, DataDirectory.embeddingCacheOf(dataDir), embedder)
              : ownEmbeddings(ordered, dimension);
      BitSet deletedRows = new BitSet(ordered.size());
      for (int row = 0; row < ordered.size(); row++) {
        if (deleted.contains(ordered.get(row).id())) {
          deletedRows.set(row);
        }
      }
      catalog.current = new CatalogSnapshot(1 + upsertBatches[0], ordered, embeddings, dimension, deletedRows);
      return catalog;
    } catch (IOException | RuntimeException e) {
      upsertLog.close();
      throw e;
    }
  }

  private static float[] ownEmbeddings(List<CatalogItem> items, int dimension) {
    float[] embeddings = new float[items.size() * dimension];
    for (int row = 0; row < items.size(); row++) {
      System.arraycopy(items.get(row).embedding(), 0, embeddings, row * dimension, dimension);
    }
    log.info("Embeddings: the items' own {}-d vectors (vector catalog, no language model)", dimension);
    return embeddings;
  }

  private static float[] embedAll(List<CatalogItem> items, Path cacheFile, ItemEmbedder embedder)
      throws IOException {
    int dimension = embedder.dimension();
    Map<String, EmbeddingCache.Entry> cached = EmbeddingCache.load(cacheFile, embedder.modelId(), dimension);
    float[] embeddings = new float[items.size() * dimension];
    List<Integer> missing = new ArrayList<>();
    for (int row = 0; row < items.size(); row++) {
      CatalogItem item = items.get(row);
      EmbeddingCache.Entry entry = cached.get(item.id());
      if (entry != null && entry.textHash() == EmbeddingCache.textHash(item.embeddingText())) {
        System.arraycopy(entry.vector(), 0, embeddings, row * dimension, dimension);
      } else {
        missing.add(row);
      }
    }
    if (missing.isEmpty() && cached.size() == items.size()) {
      log.info("Embeddings: all {} items from the cache", items.size());
      return embeddings;
    }
    long start = System.nanoTime();
    try (ProgressBar progress =
        new ProgressBarBuilder()
            .setTaskName("Embedding items")
            .setInitialMax(missing.size())
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(500)
            .continuousUpdate()
            .build()) {
      for (int from = 0; from < missing.size(); from += EMBED_CHUNK) {
        List<Integer> chunk = missing.subList(from, Math.min(from + EMBED_CHUNK, missing.size()));
        List<String> texts = new ArrayList<>(chunk.size());
        chunk.forEach(row -> texts.add(items.get(row).embeddingText()));
        float[][] vectors = embedder.embed(texts);
        for (int i = 0; i < chunk.size(); i++) {
          System.arraycopy(vectors[i], 0, embeddings, chunk.get(i) * dimension, dimension);
        }
        progress.stepBy(chunk.size());
      }
    }
    log.info(
        "Embeddings: {} items embedded with {} in {} ms, {} from the cache",
        missing.size(),
        embedder.modelId(),
        (System.nanoTime() - start) / 1_000_000,
        items.size() - missing.size());
    EmbeddingCache.save(
        cacheFile, embedder.modelId(), new CatalogSnapshot(0, items, embeddings, dimension));
    return embeddings;
  }

  public CatalogSnapshot current() {
    return current;
  }

  /** Size of the item and user vectors. */
  public int dimension() {
    return dimension;
  }

  /** True for a vector catalog: items bring their own embeddings. */
  public boolean ownVectors() {
    return embedder == null;
  }

  /**
   * Checks that {@code item} fits this catalog: an embedding of the catalog's dimension on a vector
   * catalog, none on a text catalog. Throws {@link IllegalArgumentException} saying which.
   */
  public void requireServable(CatalogItem item) {
    if (embedder != null && item.hasEmbedding()) {
      throw new IllegalArgumentException(
          "item '" + item.id() + "' carries an embedding, but this server embeds item text itself with "
              + embedder.modelId() + "; leave embedding empty, or start the server on a vector catalog");
    }
    if (embedder == null && item.embeddingDimension() != dimension) {
      throw new IllegalArgumentException(
          "item '" + item.id() + "' must carry an embedding of " + dimension + " values on this vector catalog, got "
              + item.embeddingDimension());
    }
  }

  /** A change that is embedded and built but neither logged nor visible yet. */
  public record Staged(
      CatalogSnapshot base, CatalogSnapshot snapshot, List<CatalogItem> items, int created, int updated) {}

  /**
   * Embeds {@code items} and builds the next snapshot; changes nothing. A later item with the same
   * id as an earlier one in the same change wins.
   */
  public Staged stage(List<CatalogItem> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("no items to upsert");
    }
    items.forEach(this::requireServable);
    CatalogSnapshot base = current;
    float[][] vectors;
    if (embedder != null) {
      List<String> texts = new ArrayList<>(items.size());
      items.forEach(item -> texts.add(item.embeddingText()));
      vectors = embedder.embed(texts);
    } else {
      vectors = items.stream().map(CatalogItem::embedding).toArray(float[][]::new);
    }
    CatalogSnapshot next = base.withChanges(items, vectors);
    int created = next.size() - base.size();
    Map<String, Boolean> distinct = new LinkedHashMap<>();
    items.forEach(item -> distinct.put(item.id(), Boolean.TRUE));
    return new Staged(base, next, List.copyOf(items), created, distinct.size() - created);
  }

  /** Logs the staged change durably, then makes its snapshot current. */
  public synchronized void commit(Staged staged) throws IOException {
    if (staged.base() != current) {
      throw new IllegalStateException("catalog changed since the change was staged");
    }
    upsertLog.append(UpsertRecords.encode(staged.items()));
    current = staged.snapshot();
  }

  /** A deletion that is built but neither logged nor visible yet. */
  public record StagedDeletion(CatalogSnapshot base, CatalogSnapshot snapshot, List<String> deleted, List<String> missing) {}

  /**
   * Builds the next snapshot without the items {@code itemIds} names; changes nothing. Ids the
   * catalog does not hold (unknown, or deleted before) are listed as missing.
   */
  public StagedDeletion stageDeletion(List<String> itemIds) {
    CatalogSnapshot base = current;
    Set<String> deleted = new LinkedHashSet<>();
    Set<String> missing = new LinkedHashSet<>();
    for (String itemId : itemIds) {
      (base.rowOf(itemId) >= 0 ? deleted : missing).add(itemId);
    }
    CatalogSnapshot next = deleted.isEmpty() ? base : base.withDeletions(deleted);
    return new StagedDeletion(base, next, List.copyOf(deleted), List.copyOf(missing));
  }

  /** Logs the staged deletion durably, then makes its snapshot current; nothing to log when it deletes nothing. */
  public synchronized void commit(StagedDeletion staged) throws IOException {
    if (staged.base() != current) {
      throw new IllegalStateException("catalog changed since the deletion was staged");
    }
    if (staged.deleted().isEmpty()) {
      return;
    }
    upsertLog.append(UpsertRecords.encodeDeletion(staged.deleted()));
    current = staged.snapshot();
  }

  @Override
  public void close() throws IOException {
    upsertLog.close();
  }
}
