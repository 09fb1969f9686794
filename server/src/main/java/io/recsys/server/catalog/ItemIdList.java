package io.recsys.server.catalog;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import java.util.function.IntFunction;

/**
 * An immutable list of item ids kept as catalog rows: an int per id where a list of ids holds a
 * reference, so the retrieval candidates of every open list (200 by default) and of every
 * learning example are one primitive array the garbage collector copies without tracing, instead
 * of an array of references it must scan at every young collection while the list is open.
 *
 * <p>Valid because an item keeps its row for the life of the process: a catalog change replaces
 * an item in place or appends it ({@link CatalogSnapshot#withChanges}), so a row read through any
 * later snapshot names the same id. Resolve through the live catalog, never a pinned old snapshot
 * (each holds its own copy of every embedding). Whatever retires items must keep their rows (a
 * tombstone), never compact the catalog, or these lists would name other items.
 */
public final class ItemIdList extends AbstractList<String> implements RandomAccess {
  private final int[] rows;
  private final IntFunction<String> idOfRow;

  /**
   * @param rows catalog rows; the list keeps the array, its caller must not change it
   * @param idOfRow the id of a row, e.g. through the live catalog
   */
  public ItemIdList(int[] rows, IntFunction<String> idOfRow) {
    this.rows = rows;
    this.idOfRow = idOfRow;
  }

  /** {@code ids} as rows of {@code catalog} resolved through {@code idOfRow}; a plain immutable copy if any id is not in it. */
  public static List<String> of(List<String> ids, CatalogSnapshot catalog, IntFunction<String> idOfRow) {
    if (ids instanceof ItemIdList list) {
      return new ItemIdList(list.rows, idOfRow);
    }
    int[] rows = new int[ids.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = catalog.rowOf(ids.get(i));
      if (rows[i] < 0) {
        return List.copyOf(ids); // logged before the catalog lost the item: keep the ids themselves
      }
    }
    return new ItemIdList(rows, idOfRow);
  }

  @Override
  public String get(int index) {
    return idOfRow.apply(rows[index]);
  }

  @Override
  public int size() {
    return rows.length;
  }
}
