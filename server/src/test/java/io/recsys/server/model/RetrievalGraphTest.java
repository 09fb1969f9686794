package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogTestData;
import io.recsys.server.catalog.CatalogSnapshot;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RetrievalGraphTest {
  private static final int DIM = 24;
  private static final int ITEMS = 1_500;
  private static final float POPULARITY_WEIGHT = 0.3f;

  private static OnnxRuntime runtime;
  private static CatalogSnapshot catalog;
  private static RetrievalModel model;

  @BeforeAll
  static void buildModel() {
    runtime = new OnnxRuntime(OnnxRuntime.Device.CPU, 2);
    catalog = CatalogTestData.randomSnapshot(new Random(7), ITEMS, DIM);
    model = RetrievalModel.create(runtime, "test", catalog, ItemSpace.contentOnly(catalog, POPULARITY_WEIGHT), TopKSelection.BLOCKED);
  }

  @AfterAll
  static void closeModel() {
    model.retire();
  }

  @Test
  void onnxTopKEqualsBruteForceTopK() {
    Random random = new Random(11);
    int users = 37;
    int k = 50;
    float[] userVectors = new float[users * DIM];
    for (int i = 0; i < userVectors.length; i++) {
      userVectors[i] = (float) random.nextGaussian();
    }

    TopK top = model.topK(userVectors, users, k);

    assertThat(top.users()).isEqualTo(users);
    assertThat(top.k()).isEqualTo(k);
    for (int u = 0; u < users; u++) {
      float[] expected = bruteForceScores(userVectors, u);
      Integer[] expectedOrder = IntStream.range(0, ITEMS).boxed().toArray(Integer[]::new);
      Arrays.sort(expectedOrder, Comparator.comparingDouble(row -> -expected[row]));
      for (int rank = 0; rank < k; rank++) {
        assertThat(top.row(u, rank)).as("user %d rank %d", u, rank).isEqualTo(expectedOrder[rank]);
        assertThat(top.score(u, rank)).isCloseTo(expected[expectedOrder[rank]], within(1e-5f));
      }
    }
  }

  @Test
  void kIsCappedAtTheCatalogSize() {
    TopK top = model.topK(new float[DIM], 1, ITEMS + 10);

    assertThat(top.k()).isEqualTo(ITEMS);
    assertThat(IntStream.range(0, ITEMS).map(rank -> top.row(0, rank)).distinct().count())
        .isEqualTo(ITEMS);
  }

  @Test
  void zeroUserVectorRanksByPopularityPrior() {
    TopK top = model.topK(new float[DIM], 1, 10);

    float[] prior = catalog.popularityPrior();
    for (int rank = 1; rank < 10; rank++) {
      assertThat(prior[top.row(0, rank - 1)]).isGreaterThanOrEqualTo(prior[top.row(0, rank)]);
    }
    assertThat(top.score(0, 0)).isCloseTo(POPULARITY_WEIGHT * prior[top.row(0, 0)], within(1e-6f));
  }

  @Test
  void aOneItemCatalogBuildsAndServes() {
    CatalogSnapshot single = CatalogTestData.randomSnapshot(new Random(5), 1, DIM);
    RetrievalModel tiny = RetrievalModel.create(runtime, "tiny", single, ItemSpace.contentOnly(single, POPULARITY_WEIGHT), TopKSelection.BLOCKED);
    try {
      TopK top = tiny.topK(new float[DIM * 2], 2, 10);

      assertThat(top.k()).isEqualTo(1);
      assertThat(top.row(1, 0)).isZero();
    } finally {
      tiny.retire();
    }
  }

  @Test
  void aLearnedItemSpaceScoresTheContentStateAndThePosteriorMeanTogether() {
    Random random = new Random(13);
    int learned = 5;
    ItemSpace space = randomSpace(random, learned);
    RetrievalModel both = RetrievalModel.create(runtime, "learned", catalog, space, TopKSelection.BLOCKED);
    try {
      int users = 3;
      int width = DIM + learned;
      float[] inputs = new float[users * width];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = (float) random.nextGaussian();
      }
      assertThat(both.dimension()).isEqualTo(width);

      TopK top = both.topK(inputs, users, ITEMS);

      float[] embeddings = catalog.embeddingMatrix();
      for (int u = 0; u < users; u++) {
        for (int rank = 0; rank < ITEMS; rank++) {
          int row = top.row(u, rank);
          double expected = space.bias(row);
          for (int d = 0; d < DIM; d++) {
            expected += inputs[u * width + d] * embeddings[row * DIM + d];
          }
          double[] z = space.featuresOf(row, new double[learned]);
          for (int f = 0; f < learned; f++) {
            expected += inputs[u * width + DIM + f] * z[f];
          }
          assertThat(top.score(u, rank)).as("user %d rank %d", u, rank).isCloseTo((float) expected, within(1e-4f));
          if (rank > 0) {
            assertThat(top.score(u, rank)).isLessThanOrEqualTo(top.score(u, rank - 1));
          }
        }
      }
    } finally {
      both.retire();
    }
  }

  @Test
  void publishingAnItemSpaceSwapsOnlyTheLearnedTensorsAndTheOldStageClosesAlone() {
    Random random = new Random(17);
    int learned = 3;
    RetrievalModel first = RetrievalModel.create(runtime, "a", catalog, randomSpace(random, learned), TopKSelection.BLOCKED);
    ItemSpace second = randomSpace(random, learned);
    RetrievalModel next = first.withItemSpace(second);
    first.retire();
    try {
      float[] input = new float[DIM + learned];
      input[DIM] = 1; // only the first learned feature counts, the content state is zero

      TopK top = next.topK(input, 1, ITEMS);

      assertThat(first.isClosed()).isTrue();
      assertThat(next.isClosed()).isFalse();
      assertThat(next.itemSpace()).isSameAs(second);
      double[] z = new double[learned];
      for (int rank = 0; rank < ITEMS; rank++) {
        int row = top.row(0, rank);
        float expected = (float) second.featuresOf(row, z)[0] + second.bias(row);
        assertThat(top.score(0, rank)).isCloseTo(expected, within(1e-5f));
      }
    } finally {
      next.retire();
    }
    assertThat(next.isClosed()).isTrue();
  }

  private static ItemSpace randomSpace(Random random, int learned) {
    float[] features = new float[ITEMS * learned];
    float[] bias = new float[ITEMS];
    for (int i = 0; i < features.length; i++) {
      features[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < bias.length; i++) {
      bias[i] = (float) random.nextGaussian();
    }
    return new ItemSpace(learned, features, bias);
  }

  @Test
  void anItemSpaceThatDoesNotCoverTheCatalogIsRefused() {
    assertThatThrownBy(
            () -> RetrievalModel.create(runtime, "short", catalog, new ItemSpace(1, new float[3], new float[3]), TopKSelection.BLOCKED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 rows");
  }

  private static float[] bruteForceScores(float[] userVectors, int user) {
    float[] items = catalog.embeddingMatrix();
    float[] prior = catalog.popularityPrior();
    float[] scores = new float[ITEMS];
    for (int row = 0; row < ITEMS; row++) {
      double dot = 0;
      for (int d = 0; d < DIM; d++) {
        dot += (double) userVectors[user * DIM + d] * items[row * DIM + d];
      }
      scores[row] = (float) (dot + POPULARITY_WEIGHT * prior[row]);
    }
    return scores;
  }
}
