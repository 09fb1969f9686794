package io.recsys.server.learning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogItem;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.model.ItemSpace;
import io.recsys.server.user.Posterior;
import io.recsys.server.user.PosteriorSettings;
import io.recsys.server.user.ReactionType;
import io.recsys.server.user.Ridge;
import io.recsys.server.user.UserPosteriors;
import io.recsys.server.user.UserStateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast learner's arithmetic: what a shown list and a reaction add, and new items. */
class OnlineLearnerTest {
  private static final int DIM = 12;
  private static final CatalogSnapshot CATALOG = CatalogTestData.randomSnapshot(new Random(2), 60, DIM);

  private static OnlineLearningSettings settings(double factorRate, double biasRate, double discount) {
    return new OnlineLearningSettings(
        true, 4, 3, factorRate, biasRate, 0, Duration.ofSeconds(1), new PosteriorSettings(1, discount, 0.5, 0));
  }

  private record Learner(ItemParameters items, UserPosteriors posteriors, UserStateStore users, OnlineLearner learner) {}

  private static Learner learner(OnlineLearningSettings settings, CatalogSnapshot catalog) {
    ItemParameters items = new ItemParameters(settings, 0.1f, 7);
    UserPosteriors posteriors = new UserPosteriors(settings.dimension(), settings.users());
    UserStateStore users = new UserStateStore(100, DIM);
    return new Learner(items, posteriors, users, new OnlineLearner(() -> catalog, users, posteriors, items));
  }

  @Test
  void aClickCompletesTheShownItemsObservationToWeightOneWithItsLabel() {
    Learner l = learner(settings(0, 0, 1), CATALOG); // items frozen: z and b stay what they were
    List<String> shown = List.of("item-3", "item-8", "item-5");

    l.learner.shown("alice", shown);
    l.learner.reacted("alice", "item-8", 1, ReactionType.CLICK, 1);

    int d = l.items.dimension();
    double[] gram = new double[d * d];
    double[] moments = new double[d];
    for (int position = 0; position < shown.size(); position++) {
      int row = CATALOG.rowOf(shown.get(position));
      double[] z = l.items.features(CATALOG, row, new double[d]);
      double bias = l.items.bias(CATALOG, row);
      boolean clicked = position == 1;
      double weight = clicked ? 1 : 1 / (Math.log(position + 2) / Math.log(2));
      double label = clicked ? 1 : 0;
      for (int i = 0; i < d; i++) {
        moments[i] += weight * (label - bias) * z[i];
        for (int j = 0; j < d; j++) {
          gram[i * d + j] += weight * z[i] * z[j];
        }
      }
    }
    Posterior posterior = l.users.stateOf("alice").posterior();
    assertThat(posterior.gram()).containsExactly(gram, within(1e-12));
    assertThat(posterior.moments()).containsExactly(moments, within(1e-12));
  }

  @Test
  void examinationFallsWithThePositionLikeTheDcgDiscount() {
    assertThat(OnlineLearner.examination(0)).isEqualTo(1.0);
    assertThat(OnlineLearner.examination(1)).isCloseTo(0.6309, within(1e-4));
    assertThat(OnlineLearner.examination(9)).isCloseTo(0.2891, within(1e-4));
  }

  @Test
  void anItemsBiasAndVectorMoveWithItsOwnFeedback() {
    Learner l = learner(settings(0.05, 0.05, 0.99), CATALOG);
    int row = CATALOG.rowOf("item-4");
    double biasBefore = l.items.bias(CATALOG, row);
    double[] before = l.items.features(CATALOG, row, new double[l.items.dimension()]);
    long updates = l.items.updates();

    for (int i = 0; i < 20; i++) {
      // Five users, four lists each: from their second list on, their own estimate moves q.
      String user = "u" + i % 5;
      l.learner.shown(user, List.of("item-4"));
      l.learner.reacted(user, "item-4", 0, ReactionType.CLICK, 1);
    }

    assertThat(l.items.bias(CATALOG, row)).isGreaterThan(biasBefore + 0.1);
    assertThat(l.items.features(CATALOG, row, new double[l.items.dimension()])).isNotEqualTo(before);
    assertThat(l.items.updates()).isEqualTo(updates + 40);
    // Another item nobody saw has not moved.
    int other = CATALOG.rowOf("item-9");
    assertThat(l.items.bias(CATALOG, other)).isCloseTo(0.1 * CATALOG.popularityPrior()[other], within(1e-6));
  }

  @Test
  void aBrandNewItemIsServedOnItsContentBeforeAnyoneReactedToIt() {
    // A user who clicked item-7 again and again; then an item arrives whose text embeds like item-7's.
    Learner l = learner(settings(0.05, 0.02, 0.99), CATALOG);
    for (int i = 0; i < 30; i++) {
      List<String> list = List.of("item-7", "item-" + (10 + i), "item-" + (40 + i % 20));
      l.learner.shown("alice", list);
      l.learner.reacted("alice", "item-7", 0, ReactionType.CLICK, 1);
    }
    List<CatalogItem> items = new ArrayList<>();
    float[] embeddings = new float[(CATALOG.size() + 20) * DIM];
    System.arraycopy(CATALOG.embeddingMatrix(), 0, embeddings, 0, CATALOG.size() * DIM);
    for (int row = 0; row < CATALOG.size(); row++) {
      items.add(CATALOG.item(row));
    }
    Random random = new Random(9);
    for (int n = 0; n < 20; n++) {
      int row = CATALOG.size() + n;
      items.add(new CatalogItem("new-" + n, "New " + n, "", Map.of()));
      float[] vector = n == 0 ? CATALOG.embedding(CATALOG.rowOf("item-7")) : randomUnit(random);
      System.arraycopy(vector, 0, embeddings, row * DIM, DIM);
    }
    CatalogSnapshot grown = CatalogSnapshot.of(items, embeddings, DIM);

    ItemSpace space = l.items.spaceFor(grown);
    double[] theta = l.posteriors.fit(l.users.stateOf("alice")).mean();
    double twin = score(space, grown.rowOf("new-0"), theta);
    int beaten = 0;
    for (int n = 1; n < 20; n++) {
      if (twin > score(space, grown.rowOf("new-" + n), theta)) {
        beaten++;
      }
    }

    assertThat(space.rows()).isEqualTo(grown.size());
    assertThat(beaten).as("new items the content twin of the clicked one outscores").isGreaterThanOrEqualTo(17);
  }

  private static double score(ItemSpace space, int row, double[] theta) {
    return Ridge.dot(theta, space.featuresOf(row, new double[space.dimension()])) + space.bias(row);
  }

  private static float[] randomUnit(Random random) {
    float[] v = new float[DIM];
    double norm = 0;
    for (int d = 0; d < DIM; d++) {
      v[d] = (float) random.nextGaussian();
      norm += v[d] * v[d];
    }
    for (int d = 0; d < DIM; d++) {
      v[d] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  @Test
  void aUserWhoClicksOneItemAThousandTimesKeepsEverythingFinite() {
    // Without the clipping, the item's vector and this user's estimate drive each other to
    // infinity and the posterior stops being positive definite (seen in feedback-bench).
    Learner l = learner(settings(0.05, 0.02, 0.99), CATALOG);
    for (int i = 0; i < 1_000; i++) {
      l.learner.reacted("fan", "item-2", 0, ReactionType.CLICK, 1);
      if (i % 10 == 0) {
        l.learner.shown("fan", List.of("item-2", "item-3"));
      }
    }

    double[] theta = l.posteriors.fit(l.users.stateOf("fan")).mean();
    for (double value : theta) {
      assertThat(Double.isFinite(value)).isTrue();
    }
    double[] z = l.items.features(CATALOG, CATALOG.rowOf("item-2"), new double[l.items.dimension()]);
    double norm = 0;
    for (int f = 4; f < 7; f++) {
      norm += z[f] * z[f];
    }
    assertThat(Math.sqrt(norm)).isLessThanOrEqualTo(2.0 + 1e-9);
    assertThat(l.items.bias(CATALOG, CATALOG.rowOf("item-2"))).isBetween(-1.0, 1.0);
  }

  @Test
  void twoLearnersFedTheSameEventsHoldTheSameParameters() {
    Learner a = learner(settings(0.05, 0.02, 0.99), CATALOG);
    Learner b = learner(settings(0.05, 0.02, 0.99), CATALOG);
    Random random = new Random(4);
    for (int i = 0; i < 200; i++) {
      String user = "u" + random.nextInt(10);
      List<String> list = List.of("item-" + random.nextInt(60), "item-" + random.nextInt(60));
      int click = random.nextInt(3);
      for (Learner l : List.of(a, b)) {
        l.learner.shown(user, list);
        if (click < 2) {
          l.learner.reacted(user, list.get(click), click, ReactionType.CLICK, 1);
        }
      }
    }
    ItemSpace left = a.items.spaceFor(CATALOG);
    ItemSpace right = b.items.spaceFor(CATALOG);
    for (int row = 0; row < CATALOG.size(); row++) {
      assertThat(left.featuresOf(row, new double[left.dimension()])).containsExactly(right.featuresOf(row, new double[right.dimension()]));
      assertThat(left.bias(row)).isEqualTo(right.bias(row));
    }
    assertThat(a.users.stateOf("u3").posterior().gram()).containsExactly(b.users.stateOf("u3").posterior().gram());
  }
}
