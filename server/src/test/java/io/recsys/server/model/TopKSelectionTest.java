package io.recsys.server.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.CatalogTestData;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The blocked selection against ONNX Runtime's TopK and a brute-force sort on identical scores,
 * ties included, and inside the retrieval graph against scores computed here.
 */
class TopKSelectionTest {
  /** Not a multiple of the block size: the last block is part padding. */
  private static final int ITEMS = 20_011;
  private static final int USERS = 6;

  private static OnnxRuntime runtime;
  private static ScoreSelector blocked;
  private static ScoreSelector full;

  @BeforeAll
  static void sessions() {
    runtime = new OnnxRuntime(OnnxRuntime.Device.CPU, 2);
    blocked = new ScoreSelector(runtime, TopKSelection.BLOCKED, ITEMS);
    full = new ScoreSelector(runtime, TopKSelection.FULL, ITEMS);
  }

  @AfterAll
  static void close() {
    blocked.close();
    full.close();
  }

  @Test
  void theBlockSizeGrowsWithTheSquareRootOfTheCatalogAndSmallCatalogsHaveNone() {
    assertThat(TopKSelection.BLOCKED.blockSize(4_095)).isEqualTo(1);
    assertThat(TopKSelection.BLOCKED.blockSize(ITEMS)).isEqualTo(8);
    assertThat(TopKSelection.BLOCKED.blockSize(100_000)).isEqualTo(16);
    assertThat(TopKSelection.BLOCKED.blockSize(1_000_000)).isEqualTo(64);
    assertThat(TopKSelection.FULL.blockSize(1_000_000)).isEqualTo(1);
    assertThat(TopKSelection.BLOCKED.paddedItems(ITEMS)).isEqualTo(20_016);
    assertThat(blocked.columns()).isEqualTo(20_016);
    assertThat(TopKSelection.forDevice("cpu")).isEqualTo(TopKSelection.BLOCKED);
    assertThat(TopKSelection.forDevice("cuda")).isEqualTo(TopKSelection.FULL);
  }

  /**
   * k = 1, a typical N, more than there are blocks (2,502: every block is chosen), and all items.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 20, 200, 3_000, ITEMS})
  void onScoresFullOfTiesTheBlockedSelectionIsOnnxRuntimesTopKAndTheBruteForceOrder(int k) {
    Random random = new Random(k);
    float[] scores = new float[USERS * ITEMS];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = random.nextInt(40); // ~500 items share each value: the k-th best is always a tie
    }

    TopK fromBlocks = blocked.select(scores, USERS, k);
    TopK fromTopK = full.select(scores, USERS, k);

    for (int u = 0; u < USERS; u++) {
      int[] expected = bruteForce(scores, u);
      for (int rank = 0; rank < k; rank++) {
        assertThat(fromTopK.row(u, rank)).as("ONNX Runtime TopK, user %d rank %d", u, rank).isEqualTo(expected[rank]);
        assertThat(fromBlocks.row(u, rank)).as("blocked, user %d rank %d", u, rank).isEqualTo(expected[rank]);
        assertThat(fromBlocks.score(u, rank)).isEqualTo(scores[u * ITEMS + expected[rank]]);
      }
    }
  }

  /**
   * A mask (a filter, deleted items) inside the selection: each user gets the k best allowed rows
   * of the brute-force order, and row -1 past the allowed ones, from a mask of 20 rows (fewer
   * than k) to one of half the catalog; ties everywhere.
   */
  @ParameterizedTest
  @ValueSource(doubles = {0.001, 0.02, 0.5})
  void aMaskKeepsExactlyTheBestAllowedRowsAndFillsKWheneverEnoughAreAllowed(double density) {
    int k = 200;
    Random random = new Random(Double.hashCode(density));
    float[] scores = new float[USERS * ITEMS];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = random.nextInt(40);
    }
    java.util.BitSet[] allowed = new java.util.BitSet[USERS];
    for (int u = 0; u < USERS; u++) {
      if (u == USERS - 1) {
        continue; // a user of the batch without a mask
      }
      allowed[u] = new java.util.BitSet(ITEMS);
      for (int row = 0; row < ITEMS; row++) {
        if (random.nextDouble() < density) {
          allowed[u].set(row);
        }
      }
    }

    for (ScoreSelector selector : new ScoreSelector[] {blocked, full}) {
      TopK top = selector.select(scores, USERS, k, allowed);
      for (int u = 0; u < USERS; u++) {
        java.util.BitSet mask = allowed[u];
        int[] expected = Arrays.stream(bruteForce(scores, u)).filter(row -> mask == null || mask.get(row)).toArray();
        for (int rank = 0; rank < k; rank++) {
          int want = rank < expected.length ? expected[rank] : -1;
          assertThat(top.row(u, rank)).as("%s, density %s, user %d rank %d", selector, density, u, rank).isEqualTo(want);
        }
      }
    }
  }

  @Test
  void distinctScoresEndUpInTheSameOrderAsWell() {
    Random random = new Random(3);
    float[] scores = new float[USERS * ITEMS];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = (float) random.nextGaussian();
    }
    // One user whose best items all sit in one block, and one whose best are the last items (padding's block).
    for (int i = 0; i < 200; i++) {
      scores[i + 3_000] = 10 + i;
      scores[ITEMS + ITEMS - 1 - i] = 10 + i;
    }

    TopK fromBlocks = blocked.select(scores, USERS, 200);

    for (int u = 0; u < USERS; u++) {
      int[] expected = bruteForce(scores, u);
      for (int rank = 0; rank < 200; rank++) {
        assertThat(fromBlocks.row(u, rank)).as("user %d rank %d", u, rank).isEqualTo(expected[rank]);
      }
    }
    assertThat(fromBlocks.row(0, 0)).isEqualTo(3_199);
    assertThat(fromBlocks.row(1, 0)).isEqualTo(ITEMS - 200);
  }

  @Test
  void theRetrievalGraphWithBlocksFindsTheBruteForceTopKOfItsOwnScores() {
    int dim = 16;
    int learned = 3;
    Random random = new Random(19);
    CatalogSnapshot catalog = CatalogTestData.randomSnapshot(random, ITEMS, dim);
    float[] features = new float[ITEMS * learned];
    float[] bias = new float[ITEMS];
    for (int i = 0; i < features.length; i++) {
      features[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < bias.length; i++) {
      bias[i] = (float) random.nextGaussian() * 0.1f;
    }
    ItemSpace space = new ItemSpace(learned, features, bias);
    RetrievalModel model = RetrievalModel.create(runtime, "blocked", catalog, space, TopKSelection.BLOCKED);
    try {
      int width = dim + learned;
      float[] inputs = new float[USERS * width];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = (float) random.nextGaussian();
      }

      TopK top = model.topK(inputs, USERS, 200);

      float[] embeddings = catalog.embeddingMatrix();
      for (int u = 0; u < USERS; u++) {
        float[] scores = new float[ITEMS];
        for (int row = 0; row < ITEMS; row++) {
          double score = bias[row];
          for (int d = 0; d < dim; d++) {
            score += inputs[u * width + d] * embeddings[row * dim + d];
          }
          for (int f = 0; f < learned; f++) {
            score += inputs[u * width + dim + f] * features[row * learned + f];
          }
          scores[row] = (float) score;
        }
        int[] expected = bruteForce(scores, 0);
        for (int rank = 0; rank < 200; rank++) {
          assertThat(top.row(u, rank)).as("user %d rank %d", u, rank).isEqualTo(expected[rank]);
          assertThat(top.score(u, rank)).isCloseTo(scores[expected[rank]], within(1e-4f));
        }
      }
    } finally {
      model.retire();
    }
  }

  /** Every row of {@code user}'s scores, best first, equal scores in ascending row order. */
  private static int[] bruteForce(float[] scores, int user) {
    int items = Math.min(ITEMS, scores.length);
    Integer[] rows = IntStream.range(0, items).boxed().toArray(Integer[]::new);
    Arrays.sort(
        rows, Comparator.<Integer>comparingDouble(row -> -scores[user * items + row]).thenComparingInt(row -> row));
    return Arrays.stream(rows).mapToInt(Integer::intValue).toArray();
  }
}
