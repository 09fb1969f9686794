package io.recsys.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The inverted index against {@link AttributeFilter#matches} applied to every item by brute force. */
class AttributeIndexTest {
  private static final String[] GENRES = {"fantasy", "crime", "poetry", "history"};

  @Test
  void everyFilterMatchesExactlyTheRowsABruteForcePassMatches() {
    Random random = new Random(7);
    CatalogSnapshot catalog = catalog(random, 2_000);
    List<AttributeFilter> filters = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      boolean negate = random.nextBoolean();
      if (random.nextBoolean()) {
        filters.add(AttributeFilter.anyOf("genre", new java.util.HashSet<>(List.of(GENRES[random.nextInt(4)], GENRES[random.nextInt(4)])), negate));
      } else {
        double min = random.nextBoolean() ? Double.NEGATIVE_INFINITY : 1950 + random.nextInt(80);
        double max = random.nextBoolean() ? Double.POSITIVE_INFINITY : min + random.nextInt(30);
        filters.add(AttributeFilter.range(random.nextBoolean() ? "year" : "price", Math.min(min, max), max, negate));
      }
    }

    for (AttributeFilter filter : filters) {
      assertThat(catalog.attributes().matching(filter)).as("%s", filter).isEqualTo(bruteForce(catalog, List.of(filter)));
    }
    for (int i = 0; i + 2 < filters.size(); i += 3) {
      List<AttributeFilter> all = filters.subList(i, i + 3);
      assertThat(catalog.attributes().matchingAll(all)).as("%s", all).isEqualTo(bruteForce(catalog, all));
    }
  }

  @Test
  void rangesAreInclusiveAndSkipValuesThatAreNotNumbersUnlessNegated() {
    CatalogSnapshot catalog =
        CatalogSnapshot.of(
            List.of(item("a", Map.of("year", "1999")), item("b", Map.of("year", "2000")), item("c", Map.of("year", "n/a")), item("d", Map.of())),
            new float[8], 2);

    assertThat(rows(catalog.attributes().matching(AttributeFilter.range("year", 1999, 2000, false)))).containsExactly(0, 1);
    assertThat(rows(catalog.attributes().matching(AttributeFilter.range("year", 2000, Double.POSITIVE_INFINITY, false)))).containsExactly(1);
    assertThat(rows(catalog.attributes().matching(AttributeFilter.range("year", 1999, 2000, true)))).containsExactly(2, 3);
    assertThat(rows(catalog.attributes().matching(AttributeFilter.anyOf("year", Set.of("n/a"), false)))).containsExactly(2);
    assertThat(catalog.attributes().knows("year")).isTrue();
    assertThat(catalog.attributes().knows("Year")).as("names are case-sensitive").isFalse();
  }

  private static List<Integer> rows(BitSet set) {
    return set.stream().boxed().toList();
  }

  private static BitSet bruteForce(CatalogSnapshot catalog, List<AttributeFilter> filters) {
    BitSet expected = new BitSet();
    for (int row = 0; row < catalog.size(); row++) {
      CatalogItem item = catalog.item(row);
      if (filters.stream().allMatch(f -> f.matches(item.attributes().get(f.attribute())))) {
        expected.set(row);
      }
    }
    return expected;
  }

  private static CatalogSnapshot catalog(Random random, int items) {
    List<CatalogItem> list = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      Map<String, String> attributes = new HashMap<>();
      if (random.nextInt(5) > 0) {
        attributes.put("genre", GENRES[random.nextInt(GENRES.length)]);
      }
      int kind = random.nextInt(6);
      if (kind < 4) {
        attributes.put("year", String.valueOf(1950 + random.nextInt(80)));
      } else if (kind == 4) {
        attributes.put("year", "unknown");
      }
      if (random.nextBoolean()) {
        attributes.put("price", String.format(java.util.Locale.ROOT, "%.2f", 1950 + random.nextDouble() * 80));
      }
      list.add(item("i" + i, attributes));
    }
    return CatalogSnapshot.of(list, new float[items * 2], 2);
  }

  private static CatalogItem item(String id, Map<String, String> attributes) {
    return new CatalogItem(id, "Item " + id, "", attributes, new float[] {1, 0});
  }
}
