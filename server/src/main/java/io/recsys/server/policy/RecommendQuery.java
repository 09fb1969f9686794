package io.recsys.server.policy;

import java.util.Set;

/** One user's request: the {@code k} best items, none of {@code excludedItemIds}. */
public record RecommendQuery(String userId, int k, Set<String> excludedItemIds) {
  public RecommendQuery {
    excludedItemIds = Set.copyOf(excludedItemIds);
  }
}
