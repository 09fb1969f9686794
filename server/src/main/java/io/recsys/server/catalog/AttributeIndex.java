package io.recsys.server.catalog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An inverted index of one catalog version's attributes, for filters applied inside the top-k
 * selection: per attribute, the rows of each value, and the rows sorted by the value read as a
 * number, so that an any-of filter costs its values' rows and a range filter one binary search and
 * its matching rows, never a pass over every item. Columns are built on first use (most
 * attributes are never filtered on) and kept for the version's life; a column holds one int per
 * item that has the attribute, twice, so the index stays linear in the catalog.
 */
public final class AttributeIndex {
  private final CatalogSnapshot catalog;
  private final Map<String, Column> columns = new ConcurrentHashMap<>();
  /** Every attribute name some item has; built with the first lookup. */
  private volatile Set<String> names;

  AttributeIndex(CatalogSnapshot catalog) {
    this.catalog = catalog;
  }

  /** Whether some item of the version (deleted ones aside) has the attribute. */
  public boolean knows(String attribute) {
    Set<String> known = names;
    if (known == null) {
      Set<String> collected = new HashSet<>();
      for (int row = 0; row < catalog.size(); row++) {
        if (catalog.rowOf(catalog.item(row).id()) >= 0) {
          collected.addAll(catalog.item(row).attributes().keySet());
        }
      }
      names = known = Set.copyOf(collected);
    }
    return known.contains(attribute);
  }

  /** The rows that meet every filter of {@code filters}, as a mask over {@code size()} rows. */
  public BitSet matchingAll(List<AttributeFilter> filters) {
    BitSet matching = new BitSet(catalog.size());
    matching.set(0, catalog.size());
    for (AttributeFilter filter : filters) {
      matching.and(matching(filter));
    }
    return matching;
  }

  /** The rows that meet {@code filter}. */
  public BitSet matching(AttributeFilter filter) {
    Column column = columns.computeIfAbsent(filter.attribute(), this::build);
    BitSet holds = new BitSet(catalog.size());
    if (filter.isRange()) {
      int from = lowerBound(column.sortedNumbers, filter.min());
      int to = upperBound(column.sortedNumbers, filter.max());
      for (int i = from; i < to; i++) {
        holds.set(column.rowsByNumber[i]);
      }
    } else {
      for (String value : filter.anyOf()) {
        for (int row : column.rowsByValue.getOrDefault(value, NO_ROWS)) {
          holds.set(row);
        }
      }
    }
    if (filter.negate()) {
      holds.flip(0, catalog.size());
    }
    return holds;
  }

  private static final int[] NO_ROWS = new int[0];

  /** One attribute's rows: by exact value, and sorted by numeric value (rows of numbers only). */
  private record Column(Map<String, int[]> rowsByValue, double[] sortedNumbers, int[] rowsByNumber) {}

  private Column build(String attribute) {
    Map<String, List<Integer>> rows = new HashMap<>(); // boxed while building only
    List<Integer> numericRows = new ArrayList<>();
    List<Double> numbers = new ArrayList<>();
    for (int row = 0; row < catalog.size(); row++) {
      String value = catalog.item(row).attributes().get(attribute);
      if (value == null) {
        continue;
      }
      rows.computeIfAbsent(value, v -> new ArrayList<>()).add(row);
      double number = numberOf(value);
      if (!Double.isNaN(number)) {
        numericRows.add(row);
        numbers.add(number);
      }
    }
    Map<String, int[]> byValue = new HashMap<>(rows.size() * 2);
    rows.forEach((value, list) -> byValue.put(value, list.stream().mapToInt(Integer::intValue).toArray()));
    Integer[] order = new Integer[numbers.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(numbers.get(a), numbers.get(b)));
    double[] sorted = new double[order.length];
    int[] rowsByNumber = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      sorted[i] = numbers.get(order[i]);
      rowsByNumber[i] = numericRows.get(order[i]);
    }
    return new Column(byValue, sorted, rowsByNumber);
  }

  /** The attribute value as a finite number, or NaN when it is not one. */
  static double numberOf(String value) {
    try {
      double number = Double.parseDouble(value.strip());
      return Double.isFinite(number) ? number : Double.NaN;
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** First index whose value is {@code >= bound}. */
  private static int lowerBound(double[] sorted, double bound) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid] < bound) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** First index whose value is {@code > bound}. */
  private static int upperBound(double[] sorted, double bound) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid] <= bound) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
