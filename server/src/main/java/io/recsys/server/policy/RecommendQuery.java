package io.recsys.server.policy;

import io.recsys.server.catalog.AttributeFilter;
import java.util.List;
import java.util.Set;

/**
 * One user's request: the {@code k} best items, none of {@code excludedItemIds}, only items that
 * meet every one of {@code filters}, re-ranked for {@code diversity} in [0, 1] (0: by score alone),
 * each with an explanation when {@code explain}.
 */
public record RecommendQuery(
    String userId, int k, Set<String> excludedItemIds, List<AttributeFilter> filters, double diversity, boolean explain) {
  public RecommendQuery {
    excludedItemIds = Set.copyOf(excludedItemIds);
    filters = List.copyOf(filters);
    if (!(diversity >= 0 && diversity <= 1)) {
      throw new IllegalArgumentException("diversity must be in [0, 1], got " + diversity);
    }
  }

  /** A plain request: no filters, no diversity, no explanations. */
  public RecommendQuery(String userId, int k, Set<String> excludedItemIds) {
    this(userId, k, excludedItemIds, List.of(), 0, false);
  }
}
