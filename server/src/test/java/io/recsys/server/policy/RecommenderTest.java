package io.recsys.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.model.DynamicBatcher;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.user.ReactionRule;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import io.recsys.server.user.UserStateUpdater;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The serving policy on a real retrieval graph in ONNX Runtime, checked against a brute-force
 * ranking of the same vectors: what a list holds, what it leaves out, and what it reports.
 */
class RecommenderTest {
  private static final int ITEMS = 300;
  private static final int DIM = 8;
  private static final int CANDIDATES = 40;

  private static CatalogSnapshot catalog;
  private static ModelRegistry models;
  private final UserStateStore users = new UserStateStore(1_000, DIM);
  private final List<Served> served = new CopyOnWriteArrayList<>();

  private record Served(Recommendation recommendation, float[] state) {}

  @BeforeAll
  static void loadModels() {
    SplittableRandom random = new SplittableRandom(5);
    List<CatalogItem> items = new ArrayList<>();
    float[] embeddings = new float[ITEMS * DIM];
    for (int i = 0; i < ITEMS; i++) {
      float[] vector = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        vector[d] = (float) random.nextGaussian();
      }
      System.arraycopy(vector, 0, embeddings, i * DIM, DIM);
      items.add(new CatalogItem("i" + i, "Item " + i, "", Map.of(), vector));
    }
    catalog = CatalogSnapshot.of(items, embeddings, DIM);
    // No popularity prior: a score is the plain dot product, which the reference computes too.
    models = new ModelRegistry(new OnnxRuntime(OnnxRuntime.Device.CPU, 1), 0f, catalog);
  }

  @AfterAll
  static void closeModels() {
    models.close();
  }

  private Recommender recommender(Exploration exploration) {
    ImpressionListener listener =
        (recommendation, scoredWith, states, offset, dimension) ->
            served.add(new Served(recommendation, Arrays.copyOfRange(states, offset, offset + dimension)));
    return new Recommender(models, users, new EventIds(), listener, exploration, CANDIDATES);
  }

  private float[] placeUser(String userId, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] vector = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      vector[d] = (float) random.nextGaussian();
    }
    users.put(userId, UserState.of(vector));
    return vector;
  }

  /** Item ids by descending dot product with {@code state}, computed directly. */
  private static List<String> bruteForceRanking(float[] state, Set<String> excluded) {
    return IntStream.range(0, ITEMS)
        .boxed()
        .filter(row -> !excluded.contains(catalog.item(row).id()))
        .sorted(Comparator.comparingDouble((Integer row) -> -dot(state, catalog.embedding(row))))
        .map(row -> catalog.item(row).id())
        .toList();
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int d = 0; d < a.length; d++) {
      sum += a[d] * b[d];
    }
    return sum;
  }

  @Test
  void aGreedyListIsTheBruteForceTopKWithItsScoresAndPositions() {
    float[] state = placeUser("u", 1);

    Recommendation list = recommender(Exploration.GREEDY).recommend(List.of(new RecommendQuery("u", 10, Set.of()))).get(0);

    List<String> reference = bruteForceRanking(state, Set.of());
    assertThat(list.items()).extracting(ScoredItem::itemId).containsExactlyElementsOf(reference.subList(0, 10));
    for (ScoredItem item : list.items()) {
      assertThat(item.score()).isCloseTo((float) dot(state, catalog.embedding(catalog.rowOf(item.itemId()))), within(1e-4f));
      assertThat(item.propensity()).isEqualTo(1f);
      assertThat(item.explored()).isFalse();
    }
    assertThat(list.items()).extracting(ScoredItem::position).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(list.userId()).isEqualTo("u");
    assertThat(list.catalogVersion()).isEqualTo(catalog.version());
  }

  @Test
  void excludedAndDislikedItemsNeverAppearAndKItemsStillComeBack() {
    float[] state = placeUser("u", 2);
    List<String> ranking = bruteForceRanking(state, Set.of());
    // The user disliked the best item; the request excludes the next 30.
    String disliked = ranking.get(0);
    ReactionRule rule = new ReactionRule(UserStateUpdater.defaults(), true);
    users.update("u", s -> rule.apply(s, ReactionType.DISLIKE, disliked, catalog.embedding(catalog.rowOf(disliked)), 0));
    float[] moved = users.stateOf("u").vector();
    Set<String> excluded = Set.copyOf(ranking.subList(1, 31));

    Recommendation list = recommender(Exploration.GREEDY).recommend(List.of(new RecommendQuery("u", 20, excluded))).get(0);

    List<String> shown = list.items().stream().map(ScoredItem::itemId).toList();
    assertThat(shown).hasSize(20).doesNotContain(disliked).doesNotContainAnyElementsOf(excluded);
    Set<String> left = new HashSet<>(excluded);
    left.add(disliked);
    assertThat(shown).containsExactlyElementsOf(bruteForceRanking(moved, left).subList(0, 20));
  }

  @Test
  void everyListIsReportedWithTheStateItWasServedForAndItsCandidates() {
    float[] state = placeUser("u", 3);

    Recommendation list = recommender(new EpsilonGreedy(0.5)).recommend(List.of(new RecommendQuery("u", 5, Set.of()))).get(0);

    assertThat(served).hasSize(1);
    assertThat(served.get(0).recommendation()).isSameAs(list);
    assertThat(served.get(0).state()).containsExactly(state);
    // Drawn from the best CANDIDATES by retrieval, best first, and every shown item among them.
    assertThat(list.candidates()).containsExactlyElementsOf(bruteForceRanking(state, Set.of()).subList(0, CANDIDATES));
    assertThat(list.candidates()).containsAll(list.items().stream().map(ScoredItem::itemId).toList());
  }

  @Test
  void anUnknownUserGetsTheColdStartList() {
    Recommendation first = recommender(Exploration.GREEDY).recommend(List.of(new RecommendQuery("new-1", 5, Set.of()))).get(0);
    Recommendation second = recommender(Exploration.GREEDY).recommend(List.of(new RecommendQuery("new-2", 5, Set.of()))).get(0);

    assertThat(first.items()).extracting(ScoredItem::itemId).containsExactlyElementsOf(second.items().stream().map(ScoredItem::itemId).toList());
    assertThat(served.get(0).state()).containsOnly(0f);
    assertThat(first.eventId()).isNotEqualTo(second.eventId());
  }

  @Test
  void theBatchedAndTheUnbatchedPipelineServeTheSameLists() throws Exception {
    List<RecommendQuery> queries = new ArrayList<>();
    for (int u = 0; u < 24; u++) {
      placeUser("u" + u, 100 + u);
      queries.add(new RecommendQuery("u" + u, 1 + u % 7, u % 3 == 0 ? Set.of("i" + u) : Set.of()));
    }
    Recommender recommender = recommender(Exploration.GREEDY);
    List<List<String>> alone = new ArrayList<>();
    List<List<String>> batched = new ArrayList<>();
    try (RecommendPipeline unbatched = new RecommendPipeline(recommender, 1, Duration.ZERO);
        RecommendPipeline batching = new RecommendPipeline(recommender, 8, Duration.ofMillis(2))) {
      List<CompletableFuture<Recommendation>> futures = new ArrayList<>();
      for (RecommendQuery query : queries) {
        alone.add(ids(unbatched.recommend(query, () -> false).get()));
        futures.add(batching.recommend(query, () -> false));
      }
      for (CompletableFuture<Recommendation> future : futures) {
        batched.add(ids(future.get()));
      }
      assertThat(batching.meanBatchSize()).isGreaterThan(0);
      assertThat(unbatched.meanBatchSize()).isZero();
    }
    assertThat(batched).isEqualTo(alone);
    for (int u = 0; u < queries.size(); u++) {
      assertThat(alone.get(u)).hasSize(queries.get(u).k());
    }
  }

  @Test
  void aQueryWhoseCallerGaveUpWhileQueuedIsNeitherScoredNorReported() throws Exception {
    placeUser("u", 4);
    try (RecommendPipeline pipeline = new RecommendPipeline(recommender(Exploration.GREEDY), 8, Duration.ZERO)) {
      CompletableFuture<Recommendation> abandoned = pipeline.recommend(new RecommendQuery("u", 5, Set.of()), () -> true);

      assertThatThrownBy(abandoned::get).hasCauseInstanceOf(DynamicBatcher.AbandonedException.class);
    }
    assertThat(served).isEmpty();
  }

  private static List<String> ids(Recommendation recommendation) {
    return recommendation.items().stream().map(ScoredItem::itemId).toList();
  }
}
