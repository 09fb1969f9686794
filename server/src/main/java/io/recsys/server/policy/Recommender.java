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
 * retrieval call, drops excluded items, and names every list with an event id, the model version
 * and each item's propensity. Deterministic for now (propensity 1).
 */
public final class Recommender {
  private final ModelRegistry models;
  private final UserStateStore users;
  private final EventIds eventIds;

  public Recommender(ModelRegistry models, UserStateStore users, EventIds eventIds) {
    this.models = models;
    this.users = users;
    this.eventIds = eventIds;
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
        for (String itemId : query.excludedItemIds()) {
          int row = catalog.rowOf(itemId);
          if (row >= 0) {
            rows.add(row);
          }
        }
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
        results.add(
            new Recommendation(
                eventIds.next(), query.userId(), List.copyOf(items), model.version(), catalog.version()));
      }
      return results;
    }
  }
}
