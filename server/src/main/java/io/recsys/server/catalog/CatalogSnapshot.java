package io.recsys.server.catalog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable version of the catalog: the items in row order and their content embeddings, one
 * row of {@code dimension} floats per item. Serving reads a snapshot without locks; a change makes
 * a new snapshot (copy on write).
 *
 * <p>Rows never move: a deleted item stays a row (a tombstone, so that every row an open list or
 * a learned table holds still means the same item) that {@link #rowOf} and {@link #find} no longer
 * know and {@link #servable} leaves out, together with the items marked unavailable. Upserting a
 * deleted id brings it back in its old row.
 */
public final class CatalogSnapshot {
  private final long version;
  private final List<CatalogItem> items;
  private final Map<String, Integer> rowById;
  private final float[] embeddings;
  private final int dimension;
  private final float[] popularityPrior;
  /** Rows whose item was deleted. */
  private final BitSet deleted;
  /** Rows that may be served: neither deleted nor unavailable. */
  private final BitSet servable;
  private final AttributeIndex attributes = new AttributeIndex(this);

  CatalogSnapshot(long version, List<CatalogItem> items, float[] embeddings, int dimension) {
    this(version, items, embeddings, dimension, new BitSet());
  }

  CatalogSnapshot(long version, List<CatalogItem> items, float[] embeddings, int dimension, BitSet deleted) {
    if (embeddings.length != items.size() * dimension) {
      throw new IllegalArgumentException(
          "expected " + items.size() + " x " + dimension + " embeddings, got " + embeddings.length);
    }
    this.version = version;
    this.items = List.copyOf(items);
    this.embeddings = embeddings;
    this.dimension = dimension;
    this.rowById = new HashMap<>(items.size() * 2);
    for (int row = 0; row < items.size(); row++) {
      if (rowById.put(items.get(row).id(), row) != null) {
        throw new IllegalArgumentException("duplicate item id '" + items.get(row).id() + "'");
      }
    }
    this.popularityPrior = popularityPrior(this.items);
    this.deleted = (BitSet) deleted.clone();
    this.servable = new BitSet(items.size());
    for (int row = 0; row < items.size(); row++) {
      if (!deleted.get(row) && !items.get(row).unavailable()) {
        servable.set(row);
      }
    }
  }

  /** A first version from items and their precomputed embeddings (row-major {@code [n, dim]}). */
  public static CatalogSnapshot of(List<CatalogItem> items, float[] embeddings, int dimension) {
    return new CatalogSnapshot(1, items, embeddings, dimension);
  }

  /**
   * Popularity on a log scale, normalised to [0, 1]: the cold-start prior, so that a user we know
   * nothing about sees what most people liked rather than an arbitrary list.
   */
  private static float[] popularityPrior(List<CatalogItem> items) {
    float[] prior = new float[items.size()];
    double max = 0;
    for (int row = 0; row < prior.length; row++) {
      prior[row] = (float) Math.log1p(items.get(row).popularity().orElse(0));
      max = Math.max(max, prior[row]);
    }
    if (max > 0) {
      for (int row = 0; row < prior.length; row++) {
        prior[row] /= (float) max;
      }
    }
    return prior;
  }

  public long version() {
    return version;
  }

  /** Rows, deleted ones included: the size of every per-row table over this catalog. */
  public int size() {
    return items.size();
  }

  /** Rows whose item may be served (not deleted, not unavailable). A copy: the caller may change it. */
  public BitSet servable() {
    return (BitSet) servable.clone();
  }

  /** Whether every row may be served: then no list needs a mask. */
  public boolean allServable() {
    return servable.cardinality() == items.size();
  }

  /** Whether the item in {@code row} may be served. */
  public boolean isServable(int row) {
    return servable.get(row);
  }

  /** The attribute index over this version's items, built per attribute on first use. */
  public AttributeIndex attributes() {
    return attributes;
  }

  public int dimension() {
    return dimension;
  }

  public CatalogItem item(int row) {
    return items.get(row);
  }

  /** Row of the item with this id, or -1 (unknown or deleted). */
  public int rowOf(String itemId) {
    Integer row = rowById.get(itemId);
    return row == null || deleted.get(row) ? -1 : row;
  }

  public Optional<CatalogItem> find(String itemId) {
    int row = rowOf(itemId);
    return row < 0 ? Optional.empty() : Optional.of(items.get(row));
  }

  /** Copy of the embedding of the item in {@code row}. */
  public float[] embedding(int row) {
    return Arrays.copyOfRange(embeddings, row * dimension, (row + 1) * dimension);
  }

  /** Row-major {@code [size, dimension]} embeddings. Shared, not copied: do not modify. */
  public float[] embeddingMatrix() {
    return embeddings;
  }

  /** Per-item popularity prior in [0, 1]. Shared, not copied: do not modify. */
  public float[] popularityPrior() {
    return popularityPrior;
  }

  /**
   * The next version: {@code changes} replace items with the same id in place or are appended.
   *
   * @param changedEmbeddings one row per change, in the order of {@code changes}
   */
  CatalogSnapshot withChanges(List<CatalogItem> changes, float[][] changedEmbeddings) {
    List<CatalogItem> nextItems = new ArrayList<>(items);
    BitSet nextDeleted = (BitSet) deleted.clone();
    Map<String, Integer> appended = new HashMap<>();
    float[] nextEmbeddings = Arrays.copyOf(embeddings, (items.size() + changes.size()) * dimension);
    for (int i = 0; i < changes.size(); i++) {
      CatalogItem change = changes.get(i);
      Integer row = rowById.get(change.id()); // a deleted id comes back in its old row
      if (row == null) {
        row = appended.get(change.id());
      }
      if (row == null) {
        row = nextItems.size();
        appended.put(change.id(), row);
        nextItems.add(change);
      } else {
        nextItems.set(row, change);
      }
      nextDeleted.clear(row);
      System.arraycopy(changedEmbeddings[i], 0, nextEmbeddings, row * dimension, dimension);
    }
    return new CatalogSnapshot(
        version + 1,
        nextItems,
        Arrays.copyOf(nextEmbeddings, nextItems.size() * dimension),
        dimension,
        nextDeleted);
  }

  /** The next version without the items {@code itemIds} names (ids it does not hold are ignored). */
  CatalogSnapshot withDeletions(Collection<String> itemIds) {
    BitSet nextDeleted = (BitSet) deleted.clone();
    for (String itemId : itemIds) {
      int row = rowOf(itemId);
      if (row >= 0) {
        nextDeleted.set(row);
      }
    }
    return new CatalogSnapshot(version + 1, items, embeddings, dimension, nextDeleted);
  }
}
