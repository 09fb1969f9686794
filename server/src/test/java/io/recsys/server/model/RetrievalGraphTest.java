package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
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
    model = RetrievalModel.create(runtime, "test", catalog, POPULARITY_WEIGHT);
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
    RetrievalModel tiny = RetrievalModel.create(runtime, "tiny", single, POPULARITY_WEIGHT);
    try {
      TopK top = tiny.topK(new float[DIM * 2], 2, 10);

      assertThat(top.k()).isEqualTo(1);
      assertThat(top.row(1, 0)).isZero();
    } finally {
      tiny.retire();
    }
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
