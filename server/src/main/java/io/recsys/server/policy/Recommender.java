package io.recsys.server.policy;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.ItemIdList;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.RetrievalModel;
import io.recsys.server.model.ServingModel;
import io.recsys.server.model.TopK;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.Ridge;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The serving policy: user states in, ranked lists out, in two stages. {@link #score} is the
 * batched model stage: one retrieval call for the whole batch finds each user's candidates (minus
 * excluded and disliked items) by the content state and the posterior mean over the learned item
 * space together; each candidate's score then gets its confidence bonus under the user's
 * posterior (upper confidence bound: what the server is unsure of is worth showing); once a
 * learned version is live, one Q-network call re-scores every candidate of the batch. {@link #draw} is the per-query stage: the list is drawn from the scores
 * by the exploration policy, which also gives every shown item its exact propensity, named with
 * an event id and the model version, and reported as an impression so feedback can be joined to
 * it.
 */
public final class Recommender {
  private final ModelRegistry models;
  private final UserStateStore users;
  private final UserPosteriors posteriors;
  private final EventIds eventIds;
  private final ImpressionListener impressions;
  private final Exploration exploration;
  private final int candidates;
  /** Reactions after which an item never comes back to the user (a purchase, say). */
  private final Set<ReactionType> consumedBy;

  /**
   * @param candidates how many retrieval candidates each list is drawn from (at least k are used)
   */
  /** Over a content-only item space: no posteriors. */
  public Recommender(
      ModelRegistry models,
      UserStateStore users,
      EventIds eventIds,
      ImpressionListener impressions,
      Exploration exploration,
      int candidates) {
    this(models, users, null, eventIds, impressions, exploration, candidates);
  }

  /** @param posteriors the users' learned side, for an item space learned online (null: none) */
  public Recommender(
      ModelRegistry models,
      UserStateStore users,
      UserPosteriors posteriors,
      EventIds eventIds,
      ImpressionListener impressions,
      Exploration exploration,
      int candidates) {
    this(models, users, posteriors, eventIds, impressions, exploration, candidates, Set.of());
  }

  /** @param consumedBy reactions after which the item is kept out of the user's later lists */
  public Recommender(
      ModelRegistry models,
      UserStateStore users,
      UserPosteriors posteriors,
      EventIds eventIds,
      ImpressionListener impressions,
      Exploration exploration,
      int candidates,
      Set<ReactionType> consumedBy) {
    if (candidates < 1) {
      throw new IllegalArgumentException("candidates must be >= 1, got " + candidates);
    }
    this.models = models;
    this.users = users;
    this.posteriors = posteriors;
    this.eventIds = eventIds;
    this.impressions = impressions;
    this.exploration = exploration;
    this.candidates = candidates;
    this.consumedBy = Set.copyOf(consumedBy);
  }

  /** One recommendation per query, in order, all from the same model version. */
  public List<Recommendation> recommend(List<RecommendQuery> queries) {
    List<Candidates> scored = score(queries);
    List<Recommendation> results = new ArrayList<>(queries.size());
    for (int q = 0; q < queries.size(); q++) {
      results.add(draw(queries.get(q), scored.get(q)));
    }
    return results;
  }

  /**
   * The model stage for a batch: one retrieval call finds every query's candidates, one Q-network
   * call (once a learned version is live) re-scores them. All from the same model version.
   */
  public List<Candidates> score(List<RecommendQuery> queries) {
    try (ServingModel.Lease lease = models.acquire()) {
      ServingModel model = lease.model();
      RetrievalModel retrieval = model.retrieval();
      CatalogSnapshot catalog = retrieval.catalog();
      ItemSpace space = retrieval.itemSpace();
      int contentDim = catalog.dimension();
      int inputDim = retrieval.dimension();
      if (space.dimension() > 0 && (posteriors == null || posteriors.dimension() != space.dimension())) {
        throw new IllegalStateException("a learned item space of " + space.dimension() + " dimensions needs users' posteriors over it");
      }
      int users = queries.size();
      BatchInputs batch = inputsOf(queries, catalog, space.dimension() > 0, inputDim);
      TopK top = retrieval.topK(batch.inputs, users, batch.fetch, batch.allowed);
      double[] z = new double[space.dimension()];
      List<int[]> candidateRows = new ArrayList<>(users);
      List<float[]> scores = new ArrayList<>(users);
      ScoreParts[][] parts = new ScoreParts[users][];
      for (int q = 0; q < users; q++) {
        int wanted = Math.max(candidates, queries.get(q).k());
        int[] rows = new int[Math.min(wanted, top.k())];
        float[] rowScores = new float[rows.length];
        ScoreParts[] explained = queries.get(q).explain() ? new ScoreParts[rows.length] : null;
        int kept = 0;
        Ridge.Fit fit = batch.fits[q];
        int[] excluded = batch.excludedRows[q];
        for (int rank = 0; rank < top.k() && kept < rows.length; rank++) {
          int row = top.row(q, rank);
          if (row >= 0 && (excluded.length == 0 || Arrays.binarySearch(excluded, row) < 0)) {
            float bonus = fit == null ? 0 : (float) posteriors.bonus(fit, space.featuresOf(row, z));
            rowScores[kept] = top.score(q, rank) + bonus;
            if (explained != null) {
              explained[kept] = partsOf(catalog, space, batch.states, q, row, top.score(q, rank), bonus);
            }
            rows[kept++] = row;
          }
        }
        candidateRows.add(kept == rows.length ? rows : Arrays.copyOf(rows, kept));
        scores.add(kept == rowScores.length ? rowScores : Arrays.copyOf(rowScores, kept));
        parts[q] = explained == null || kept == explained.length ? explained : Arrays.copyOf(explained, kept);
      }
      float[] states = batch.states;
      if (model.ranker() != null) {
        // Q values replace the retrieval scores; every user keeps all its candidates.
        scores = model.ranker().qValues(catalog, states, candidateRows);
      }
      String version = model.version().version();
      List<Candidates> results = new ArrayList<>(users);
      for (int q = 0; q < users; q++) {
        Candidates.Explaining explaining = parts[q] == null ? null : new Candidates.Explaining(parts[q], batch.positives[q]);
        results.add(
            new Candidates(
                version, catalog, candidateRows.get(q), scores.get(q), Arrays.copyOfRange(states, q * contentDim, (q + 1) * contentDim),
                batch.sources[q], explaining));
      }
      return results;
    }
  }

  /**
   * A candidate's retrieval score in parts: the content part is recomputed in Java, the bias read
   * from the item space, and the collaborative part is what remains of ONNX Runtime's score (so the
   * parts add up to the score that ranked it, whatever the graph's summation order).
   */
  private static ScoreParts partsOf(CatalogSnapshot catalog, ItemSpace space, float[] states, int q, int row, float score, float bonus) {
    int dim = catalog.dimension();
    float[] embeddings = catalog.embeddingMatrix();
    double content = 0;
    for (int d = 0; d < dim; d++) {
      content += (double) states[q * dim + d] * embeddings[row * dim + d];
    }
    float bias = space.bias(row);
    float collaborative = space.dimension() == 0 ? 0 : score - (float) content - bias;
    return new ScoreParts((float) content, collaborative, bias, bonus);
  }

  /**
   * What the retrieval call of a batch needs: each user's content state (also what the Q-network
   * and the impression log see), their retrieval input (content state, then posterior mean), the
   * posterior fit for the bonus, the rows to leave out (sorted, for a binary search instead of a
   * set of boxed rows: most lists exclude nothing, and a set cost two objects per candidate), and
   * how many rows to fetch.
   */
  private record BatchInputs(
      float[] states, UserState[] sources, float[] inputs, Ridge.Fit[] fits, int[][] excludedRows, BitSet[] allowed, List<String>[] positives,
      int fetch) {}

  private static final int[] NO_ROWS = new int[0];

  private BatchInputs inputsOf(List<RecommendQuery> queries, CatalogSnapshot catalog, boolean learned, int inputDim) {
    int users = queries.size();
    int contentDim = catalog.dimension();
    float[] states = new float[users * contentDim];
    UserState[] sources = new UserState[users];
    float[] inputs = new float[users * inputDim];
    Ridge.Fit[] fits = new Ridge.Fit[users];
    int[][] excludedRows = new int[users][];
    BitSet[] allowed = new BitSet[users];
    @SuppressWarnings("unchecked")
    List<String>[] positives = new List[users];
    int fetch = 0;
    boolean allServable = catalog.allServable();
    for (int q = 0; q < users; q++) {
      RecommendQuery query = queries.get(q);
      UserState state = this.users.stateOf(query.userId());
      sources[q] = state;
      System.arraycopy(state.vectorView(), 0, states, q * contentDim, contentDim);
      System.arraycopy(state.vectorView(), 0, inputs, q * inputDim, contentDim);
      if (learned) {
        fits[q] = posteriors.fit(state);
        double[] mean = fits[q].mean();
        for (int f = 0; f < mean.length; f++) {
          inputs[q * inputDim + contentDim + f] = (float) mean[f];
        }
      }
      int[] rows = rowsOf(catalog, query.excludedItemIds(), state.disliked(), consumed(state));
      excludedRows[q] = rows;
      // Deleted and unavailable items and the filters are a mask inside the selection: exact, k filled.
      if (!allServable || !query.filters().isEmpty()) {
        BitSet mask = catalog.servable();
        if (!query.filters().isEmpty()) {
          mask.and(catalog.attributes().matchingAll(query.filters()));
        }
        allowed[q] = mask;
      }
      if (query.explain()) {
        positives[q] = positivesOf(state);
      }
      // k + |excluded| candidates guarantee k survivors even if every excluded item ranks high.
      fetch = Math.max(fetch, Math.max(candidates, query.k()) + rows.length);
    }
    return new BatchInputs(states, sources, inputs, fits, excludedRows, allowed, positives, fetch);
  }

  /**
   * The per-query stage: draws the list from the scored candidates by the exploration policy
   * (which gives every shown item its exact propensity), names it, and reports the impression.
   * Needs no model session, so concurrent queries run it in parallel, off the batch's thread.
   */
  public Recommendation draw(RecommendQuery query, Candidates candidates) {
    int[] rows = candidates.rows();
    float[] scores = candidates.scores();
    CatalogSnapshot catalog = candidates.catalog();
    Exploration.Slate slate;
    boolean[] explored;
    boolean[] diversified;
    if (query.diversity() > 0) {
      DiversityRerank.Drawn drawn =
          DiversityRerank.draw(
              exploration, scores, unitVectors(catalog, rows), catalog.dimension(), query.diversity(), query.k(), ThreadLocalRandom.current());
      slate = drawn.slate();
      explored = drawn.explored();
      diversified = drawn.diversified();
    } else {
      slate = exploration.choose(scores, query.k(), ThreadLocalRandom.current());
      explored = explored(scores, slate.picks());
      diversified = new boolean[explored.length];
    }
    Candidates.Explaining explaining = candidates.explaining();
    List<ScoredItem> items = new ArrayList<>(slate.picks().length);
    for (int position = 0; position < slate.picks().length; position++) {
      int pick = slate.picks()[position];
      float propensity = slate.propensities()[position];
      Explanation explanation =
          explaining == null
              ? null
              : Explainer.explain(
                  catalog, rows[pick], explaining.parts()[pick], explaining.positiveItems(), explored[position], diversified[position],
                  propensity);
      items.add(new ScoredItem(catalog.item(rows[pick]).id(), scores[pick], propensity, position, explored[position], explanation));
    }
    // The candidates stay rows: the impression keeps them so while the list is open.
    Recommendation recommendation =
        new Recommendation(
            eventIds.next(), query.userId(), List.copyOf(items), candidates.modelVersion(), catalog.version(),
            new ItemIdList(rows, row -> catalog.item(row).id()));
    impressions.served(recommendation, candidates.scoredWith(), candidates.state(), 0, candidates.state().length);
    return recommendation;
  }

  /** The candidates' content vectors scaled to length 1 (zero vectors stay zero), row-major. */
  private static float[] unitVectors(CatalogSnapshot catalog, int[] rows) {
    int dim = catalog.dimension();
    float[] embeddings = catalog.embeddingMatrix();
    float[] units = new float[rows.length * dim];
    for (int c = 0; c < rows.length; c++) {
      double norm = 0;
      for (int d = 0; d < dim; d++) {
        float value = embeddings[rows[c] * dim + d];
        norm += (double) value * value;
      }
      float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
      for (int d = 0; d < dim; d++) {
        units[c * dim + d] = embeddings[rows[c] * dim + d] * scale;
      }
    }
    return units;
  }

  /**
   * Which picks exploration placed above a higher-scored candidate that was still available: the
   * others are each the best remaining where they stand, so their scores never increase down the
   * list. Whatever the exploration policy.
   */
  static boolean[] explored(float[] scores, int[] picks) {
    // The best candidate still unshown is the first unshown one in score order.
    int[] order = ScoreOrder.descending(scores);
    boolean[] shown = new boolean[scores.length];
    boolean[] explored = new boolean[picks.length];
    int best = 0;
    for (int position = 0; position < picks.length; position++) {
      while (shown[order[best]]) {
        best++;
      }
      explored[position] = scores[picks[position]] < scores[order[best]];
      shown[picks[position]] = true;
    }
    return explored;
  }

  /** The items the user consumed: those whose latest reaction is one of {@link #consumedBy}. */
  private Set<String> consumed(UserState state) {
    if (consumedBy.isEmpty() || state.reactions().isEmpty()) {
      return Set.of();
    }
    Set<String> consumed = new java.util.HashSet<>();
    state.reactions().forEach((itemId, type) -> {
      if (consumedBy.contains(type)) {
        consumed.add(itemId);
      }
    });
    return consumed;
  }

  /** The user's remembered positive items, newest first, at most {@link Explainer#MAX_POSITIVES}. */
  private static List<String> positivesOf(UserState state) {
    List<String> positives = new ArrayList<>();
    state.reactions().forEach((itemId, type) -> {
      if (type.positive()) {
        positives.add(itemId);
      }
    });
    java.util.Collections.reverse(positives);
    return positives.size() > Explainer.MAX_POSITIVES ? List.copyOf(positives.subList(0, Explainer.MAX_POSITIVES)) : positives;
  }

  /** The catalog rows of the items in any of the sets that the catalog holds, sorted, no repeats. */
  private static int[] rowsOf(CatalogSnapshot catalog, Set<String> excluded, Set<String> disliked, Set<String> consumed) {
    if (excluded.isEmpty() && disliked.isEmpty() && consumed.isEmpty()) {
      return NO_ROWS;
    }
    int[] rows = new int[excluded.size() + disliked.size() + consumed.size()];
    int found = 0;
    for (Set<String> itemIds : List.of(excluded, disliked, consumed)) {
      for (String itemId : itemIds) {
        int row = catalog.rowOf(itemId);
        if (row >= 0) {
          rows[found++] = row;
        }
      }
    }
    return Arrays.stream(rows, 0, found).sorted().distinct().toArray();
  }
}
