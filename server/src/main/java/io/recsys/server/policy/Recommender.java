package io.recsys.server.policy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.RetrievalModel;
import io.recsys.server.model.TopK;
import io.recsys.server.user.UserStateStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The serving policy: user states in, ranked lists out. Scores a whole batch of users in one
 * retrieval call, drops excluded items and the items each user disliked, names every list with an
 * event id, the model version and each item's propensity, and reports it as an impression so
 * feedback can be joined to it. Deterministic for now (propensity 1).
 */
public final class Recommender {
  private final ModelRegistry models;
  private final UserStateStore users;
  private final EventIds eventIds;
  private final ImpressionListener impressions;

  public Recommender(
      ModelRegistry models, UserStateStore users, EventIds eventIds, ImpressionListener impressions) {
    this.models = models;
    this.users = users;
    this.eventIds = eventIds;
    this.impressions = impressions;
  }

  /** One recommendation per query, in order, all from the same model version. */
  public List<Recommendation> recommend(List<RecommendQuery> queries) {
    try (RetrievalModel.Lease lease = models.acquire()) {
      RetrievalModel model = lease.model();
      CatalogSnapshot catalog = model.catalog();
      int dim = model.dimension();
      float[] states = new float[queries.size() * dim];
      List<Set<Integer>> excludedRows = new ArrayList<>(queries.size());
      int fetch = 0;
      for (int q = 0; q < queries.size(); q++) {
        RecommendQuery query = queries.get(q);
        users.copyStateInto(query.userId(), states, q * dim);
        Set<Integer> rows = new HashSet<>();
        addRows(catalog, query.excludedItemIds(), rows);
        addRows(catalog, users.dislikedBy(query.userId()), rows);
        excludedRows.add(rows);
        // Asking for k + |excluded| guarantees k survivors even if every excluded item ranks high.
        fetch = Math.max(fetch, query.k() + rows.size());
      }
      TopK top = model.topK(states, queries.size(), fetch);
      List<Recommendation> results = new ArrayList<>(queries.size());
      for (int q = 0; q < queries.size(); q++) {
        RecommendQuery query = queries.get(q);
        List<ScoredItem> items = new ArrayList<>(query.k());
        for (int rank = 0; rank < top.k() && items.size() < query.k(); rank++) {
          int row = top.row(q, rank);
          if (!excludedRows.get(q).contains(row)) {
            items.add(new ScoredItem(catalog.item(row).id(), top.score(q, rank), 1f, items.size()));
          }
        }
        Recommendation recommendation =
            new Recommendation(
                eventIds.next(), query.userId(), List.copyOf(items), model.version(), catalog.version());
        impressions.served(recommendation, states, q * dim, dim);
        results.add(recommendation);
      }
      return results;
    }
  }

  private static void addRows(CatalogSnapshot catalog, Set<String> itemIds, Set<Integer> rows) {
    for (String itemId : itemIds) {
      int row = catalog.rowOf(itemId);
      if (row >= 0) {
        rows.add(row);
      }
    }
  }
}
