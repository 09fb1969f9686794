package io.recsys.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The diversity re-rank: its propensities are the exact probabilities of the slates it draws, its
 * greedy order is maximal marginal relevance computed by hand, and it lowers intra-list similarity.
 */
class DiversityRerankTest {
  /** Five candidates in two directions: 0, 1, 2 nearly alike (and best scored), 3 and 4 apart. */
  private static final float[] SCORES = {1.0f, 0.95f, 0.9f, 0.5f, 0.3f};
  private static final float[] UNITS = units(new float[][] {{1, 0}, {0.99f, 0.1f}, {0.98f, -0.15f}, {0, 1}, {-0.6f, 0.8f}});

  @Test
  void propensitiesAreTheExactProbabilitiesOfTheDrawnSlates() {
    for (Exploration exploration : new Exploration[] {new EpsilonGreedy(0.3), new SoftmaxExploration(0.4)}) {
      SplittableRandom random = new SplittableRandom(3);
      Map<String, Integer> counts = new HashMap<>();
      Map<String, Double> probability = new HashMap<>();
      int draws = 200_000;
      for (int i = 0; i < draws; i++) {
        DiversityRerank.Drawn drawn = DiversityRerank.draw(exploration, SCORES, UNITS, 2, 0.7, 3, random);
        String key = Arrays.toString(drawn.slate().picks());
        counts.merge(key, 1, Integer::sum);
        double p = 1;
        for (float propensity : drawn.slate().propensities()) {
          p *= propensity;
        }
        probability.put(key, p);
      }
      double total = 0;
      for (Map.Entry<String, Integer> slate : counts.entrySet()) {
        double expected = probability.get(slate.getKey());
        total += expected;
        double frequency = slate.getValue() / (double) draws;
        double tolerance = 4 * Math.sqrt(expected * (1 - expected) / draws) + 1e-4;
        assertThat(frequency).as("%s slate %s", exploration.spec(), slate.getKey()).isCloseTo(expected, within(tolerance));
      }
      assertThat(total).as("the slates seen carry (almost) all the probability").isCloseTo(1, within(0.01));
    }
  }

  @Test
  void greedyDrawsTheMaximalMarginalRelevanceOrderComputedByHand() {
    // Spread 0.7. Diversity 0.5: position 0 is the best score (0); then 0.5 x score - 0.35 x max(0, cos to 0):
    // 1: 0.475 - 0.35 x 0.995 = 0.127, 2: 0.45 - 0.35 x 0.989 = 0.104, 3: 0.25, 4: 0.15, so 3; then 4 is
    // like 3 (cos 0.8): 0.15 - 0.28 < 0.127, so 1.
    DiversityRerank.Drawn half = DiversityRerank.draw(Exploration.GREEDY, SCORES, UNITS, 2, 0.5, 3, new SplittableRandom(1));
    assertThat(half.slate().picks()).containsExactly(0, 3, 1);
    assertThat(half.slate().propensities()).containsOnly(1f);
    assertThat(half.explored()).containsOnly(false);
    assertThat(half.diversified()).as("3 was placed above the higher-scored 1 and 2 by the re-rank").containsExactly(false, true, false);

    // Diversity 1: after the best score, the least similar: 3 (tied with 4 at 0, the better rank), then 4
    // (max cos 0.8, against 0.99 of 1 and 2).
    DiversityRerank.Drawn full = DiversityRerank.draw(Exploration.GREEDY, SCORES, UNITS, 2, 1.0, 3, new SplittableRandom(1));
    assertThat(full.slate().picks()).containsExactly(0, 3, 4);
    assertThat(full.diversified()).containsExactly(false, true, true);
  }

  @Test
  void perPositionDrawsGiveTheSamePropensitiesAsTheWholeListPolicies() {
    SplittableRandom random = new SplittableRandom(9);
    for (Exploration exploration : new Exploration[] {new EpsilonGreedy(0.4), new SoftmaxExploration(0.7), Exploration.GREEDY}) {
      for (int trial = 0; trial < 500; trial++) {
        float[] scores = new float[12];
        double[] raw = new double[scores.length];
        for (int c = 0; c < scores.length; c++) {
          scores[c] = (float) random.nextGaussian();
          raw[c] = scores[c];
        }
        Exploration.Slate slate = exploration.choose(scores, 6, random);
        boolean[] taken = new boolean[scores.length];
        for (int position = 0; position < slate.picks().length; position++) {
          double p = exploration.probabilityOf(raw, taken, slate.picks()[position]);
          assertThat((float) p).as("%s position %d", exploration.spec(), position).isCloseTo(slate.propensities()[position], within(1e-6f));
          taken[slate.picks()[position]] = true;
        }
      }
    }
  }

  @Test
  void diversityOneLowersIntraListSimilarityOnClusteredCandidates() {
    SplittableRandom random = new SplittableRandom(21);
    int dim = 16;
    int candidates = 100;
    double similarityAtZero = 0;
    double similarityAtOne = 0;
    for (int trial = 0; trial < 50; trial++) {
      // Four clusters; the best scores all belong to the first.
      float[][] vectors = new float[candidates][dim];
      float[] scores = new float[candidates];
      float[][] centres = new float[4][dim];
      for (float[] centre : centres) {
        for (int d = 0; d < dim; d++) {
          centre[d] = (float) random.nextGaussian();
        }
      }
      for (int c = 0; c < candidates; c++) {
        int cluster = c < 40 ? 0 : 1 + c % 3;
        for (int d = 0; d < dim; d++) {
          vectors[c][d] = centres[cluster][d] + 0.3f * (float) random.nextGaussian();
        }
        scores[c] = (cluster == 0 ? 2 : 1) + 0.1f * (float) random.nextGaussian();
      }
      float[] units = units(vectors);
      int[] plain = Exploration.GREEDY.choose(scores, 10, random).picks();
      int[] diverse = DiversityRerank.draw(Exploration.GREEDY, scores, units, dim, 1.0, 10, random).slate().picks();
      similarityAtZero += DiversityRerank.intraListSimilarity(rowsOf(units, plain, dim), plain.length, dim) / 50;
      similarityAtOne += DiversityRerank.intraListSimilarity(rowsOf(units, diverse, dim), diverse.length, dim) / 50;
    }
    assertThat(similarityAtOne).as("mean intra-list cosine at diversity 1 vs 0 (%.3f vs %.3f)", similarityAtOne, similarityAtZero)
        .isLessThan(similarityAtZero - 0.3);
  }

  private static float[] rowsOf(float[] units, int[] picks, int dim) {
    float[] rows = new float[picks.length * dim];
    for (int i = 0; i < picks.length; i++) {
      System.arraycopy(units, picks[i] * dim, rows, i * dim, dim);
    }
    return rows;
  }

  private static float[] units(float[][] vectors) {
    int dim = vectors[0].length;
    float[] units = new float[vectors.length * dim];
    for (int c = 0; c < vectors.length; c++) {
      double norm = 0;
      for (float value : vectors[c]) {
        norm += value * value;
      }
      for (int d = 0; d < dim; d++) {
        units[c * dim + d] = (float) (vectors[c][d] / Math.sqrt(norm));
      }
    }
    return units;
  }
}
