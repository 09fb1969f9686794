package io.recsys.loadtest.simulator;

import io.recsys.server.catalog.CatalogItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How the hidden truth groups items: items of one group share a taste vector in the {@link World}.
 * A learner is judged on more than one family, so that what it learns is what users do, not one
 * generator's shape.
 */
public enum TruthFamily {
  /**
   * Items by one (first) author go together: partly visible to a content model, since an author's
   * books often share words.
   */
  AUTHORS,
  /**
   * Items fall into hidden genres drawn at random, cutting across authors and text: nothing in an
   * item's content tells its genre, only co-engagement across users does.
   */
  GENRES;

  /** Hidden genres in {@link #GENRES}: about 250 items each on the 10,000-book catalog. */
  static final int GENRE_COUNT = 40;

  public static TruthFamily parse(String name) {
    try {
      return valueOf(name.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--truth must be authors or genres, got '" + name + "'");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The group of each item, in catalog order; fixed by {@code seed}. */
  List<String> groupsOf(List<CatalogItem> items, long seed) {
    List<String> groups = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      groups.add(this == AUTHORS ? firstAuthor(items.get(i)) : "genre-" + Math.floorMod(mix(seed, i), GENRE_COUNT));
    }
    return groups;
  }

  private static String firstAuthor(CatalogItem item) {
    String authors = item.attributes().getOrDefault("authors", item.id());
    int comma = authors.indexOf(',');
    return (comma < 0 ? authors : authors.substring(0, comma)).strip();
  }

  private static long mix(long seed, int index) {
    long h = seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}
