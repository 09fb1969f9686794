package io.recsys.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.learning.ItemParameters;
import io.recsys.server.learning.ItemSpacePublisher;
import io.recsys.server.learning.OnlineLearner;
import io.recsys.server.learning.OnlineLearningSettings;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.model.ModelRegistry;
import io.recsys.server.model.OnnxRuntime;
import io.recsys.server.model.ServingModel;
import io.recsys.server.user.PosteriorSettings;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.Ridge;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserState;
import io.recsys.server.user.UserStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Serving with the fast learner on a real retrieval graph in ONNX Runtime: what a cold user gets,
 * that a score is the posterior mean plus its confidence bonus, and that learning, republishing
 * and serving run together safely.
 */
class CollaborativeRecommenderTest {
  private static final int DIM = 8;
  private static final OnnxRuntime RUNTIME = new OnnxRuntime(OnnxRuntime.Device.CPU, 1);

  private final CatalogSnapshot catalog = CatalogTestData.randomSnapshot(new Random(21), 300, DIM);
  private final OnlineLearningSettings settings =
      new OnlineLearningSettings(true, 6, 4, 0.05, 0.02, 0.001, Duration.ofSeconds(1), new PosteriorSettings(1, 0.99, 0.5, 5));
  private final UserStateStore users = new UserStateStore(1_000, DIM);
  private final UserPosteriors posteriors = new UserPosteriors(settings.dimension(), settings.users());
  private ItemParameters items;
  private ModelRegistry models;
  private OnlineLearner learner;

  @BeforeEach
  void build() {
    items = new ItemParameters(settings, 0.1f, 3);
    models = new ModelRegistry(RUNTIME, items, "test", catalog);
    learner = new OnlineLearner(() -> catalog, users, posteriors, items);
  }

  @AfterEach
  void close() {
    models.close();
  }

  private Recommender recommender(Exploration exploration) {
    return new Recommender(models, users, posteriors, new EventIds(), ImpressionListener.NONE, exploration, 40);
  }

  @Test
  void beforeAnyFeedbackAnUnknownUserGetsThePopularityOrder() {
    Recommendation list = recommender(Exploration.GREEDY).recommend(List.of(new RecommendQuery("new", 10, Set.of()))).get(0);

    float[] prior = catalog.popularityPrior();
    List<Integer> byPopularity = new ArrayList<>();
    for (int row = 0; row < catalog.size(); row++) {
      byPopularity.add(row);
    }
    byPopularity.sort((a, b) -> Float.compare(prior[b], prior[a]));
    for (int position = 0; position < 10; position++) {
      int row = catalog.rowOf(list.items().get(position).itemId());
      // Every item is as uncertain as every other, so the bonus cannot reorder the means.
      assertThat(prior[row]).as("position %d", position).isCloseTo(prior[byPopularity.get(position)], within(1e-4f));
    }
  }

  @Test
  void eachCandidatesScoreIsItsMeanUnderBothLearnersPlusItsConfidenceBonus() {
    Random random = new Random(5);
    for (int n = 0; n < 30; n++) {
      List<String> shown = List.of("item-" + random.nextInt(300), "item-" + random.nextInt(300), "item-" + random.nextInt(300));
      learner.shown("alice", shown);
      learner.reacted("alice", shown.get(0), 0, ReactionType.CLICK, 1);
    }
    float[] content = new float[DIM];
    content[0] = 0.7f;
    users.update("alice", state -> state.withVector(content));
    assertThat(models.republishItemSpace()).isTrue();

    Candidates candidates = recommender(Exploration.GREEDY).score(List.of(new RecommendQuery("alice", 10, Set.of()))).get(0);

    UserState state = users.stateOf("alice");
    Ridge.Fit fit = posteriors.fit(state);
    ItemSpace space;
    try (ServingModel.Lease lease = models.acquire()) {
      space = lease.model().retrieval().itemSpace();
    }
    double[] z = new double[space.dimension()];
    double[] expected = new double[catalog.size()];
    for (int row = 0; row < catalog.size(); row++) {
      space.featuresOf(row, z);
      double mean = Ridge.dot(fit.mean(), z) + space.bias(row);
      for (int d = 0; d < DIM; d++) {
        mean += content[d] * catalog.embeddingMatrix()[row * DIM + d];
      }
      expected[row] = mean + 0.5 * Math.sqrt(Ridge.inverseQuadratic(fit.cholesky(), z, z.length));
    }
    assertThat(candidates.rows()).hasSize(40);
    for (int c = 0; c < candidates.rows().length; c++) {
      assertThat((double) candidates.scores()[c]).isCloseTo(expected[candidates.rows()[c]], within(1e-4));
    }
    assertThat(candidates.state()).containsExactly(content);
  }

  @Test
  void learningRepublishingAndServingRunTogetherWithoutABrokenList() throws Exception {
    Recommender recommender = recommender(new EpsilonGreedy(0.1));
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (ItemSpacePublisher publisher = ItemSpacePublisher.start(items, models, Duration.ofMillis(2))) {
      // The one writer, as the feedback effects thread is: lists and clicks from 50 users.
      Future<Integer> learning =
          threads.submit(() -> {
            Random random = new Random(1);
            int events = 0;
            while (!stop.get() || events < 2_000) {
              String user = "u" + random.nextInt(50);
              List<String> shown = List.of("item-" + random.nextInt(300), "item-" + random.nextInt(300));
              learner.shown(user, shown);
              learner.reacted(user, shown.get(random.nextInt(2)), 0, ReactionType.CLICK, 1);
              events++;
            }
            return events;
          });
      List<Future<Integer>> serving = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int seed = t;
        serving.add(threads.submit(() -> {
          Random random = new Random(seed);
          int lists = 0;
          for (; lists < 300; lists++) {
            List<RecommendQuery> batch = List.of(
                new RecommendQuery("u" + random.nextInt(50), 10, Set.of()), new RecommendQuery("new-" + lists, 5, Set.of()));
            for (Recommendation list : recommender.recommend(batch)) {
              Set<String> ids = new HashSet<>();
              for (ScoredItem item : list.items()) {
                assertThat(catalog.rowOf(item.itemId())).isNotNegative();
                assertThat(Float.isFinite(item.score())).isTrue();
                assertThat(item.propensity()).isGreaterThan(0f).isLessThanOrEqualTo(1f);
                ids.add(item.itemId());
              }
              assertThat(ids).hasSize(list.items().size());
            }
          }
          return lists;
        }));
      }
      for (Future<Integer> lists : serving) {
        assertThat(lists.get()).isEqualTo(300);
      }
      stop.set(true);
      assertThat(learning.get()).isGreaterThanOrEqualTo(2_000);
      assertThat(publisher.publishes()).isPositive();
    } finally {
      threads.shutdownNow();
    }
    ItemSpace finalSpace = items.spaceFor(catalog);
    double[] z = new double[finalSpace.dimension()];
    for (int row = 0; row < catalog.size(); row++) {
      for (double value : finalSpace.featuresOf(row, z)) {
        assertThat(Double.isFinite(value)).isTrue();
      }
      assertThat(Float.isFinite(finalSpace.bias(row))).isTrue();
    }
    assertThat(items.updates()).isGreaterThanOrEqualTo(2 * 2_000 + 2_000);
  }
}
