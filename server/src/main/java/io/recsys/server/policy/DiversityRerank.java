package io.recsys.server.policy;

import java.util.random.RandomGenerator;

/**
 * Maximal marginal relevance inside the exploration policy: the first position is drawn by score,
 * each later one by the exploration from the candidates' scores traded against their resemblance
 * to what is already placed,
 *
 * <pre>  adjusted(c) = (1 - diversity) x score(c) - diversity x range x max(0, max over placed p of cos(c, p))</pre>
 *
 * where {@code range} is the spread of the candidates' scores (so both terms are in the scores'
 * own units, and a softmax temperature keeps its meaning). At diversity 1 each later position goes
 * to the candidate least like the list (ties to the better retrieval rank). The adjusted scores at a position depend only on
 * the picks above it, so the probability the exploration gives the pick is its exact propensity:
 * the re-rank is part of the logged policy, and off-policy evaluation stays honest.
 *
 * <p>Diversity 0 never comes here: {@link Recommender} draws by {@link Exploration#choose}, today's
 * list, with the same random draws.
 */
public final class DiversityRerank {
  private DiversityRerank() {}

  /**
   * A drawn list: the slate, which positions exploration filled against the adjusted scores, and
   * which the re-rank itself placed above a higher-scored candidate.
   */
  public record Drawn(Exploration.Slate slate, boolean[] explored, boolean[] diversified) {}

  /**
   * @param scores the candidates' scores
   * @param unitVectors the candidates' content vectors, each of length 1 (or all zeros), row-major
   * @param dimension the vectors' length
   * @param diversity in (0, 1]
   */
  public static Drawn draw(
      Exploration exploration, float[] scores, float[] unitVectors, int dimension, double diversity, int k, RandomGenerator random) {
    if (!(diversity > 0 && diversity <= 1)) {
      throw new IllegalArgumentException("diversity must be in (0, 1], got " + diversity);
    }
    int n = scores.length;
    int length = Math.min(k, n);
    double penalty = diversity * spread(scores);
    double[] maxSimilarity = new double[n];
    double[] adjusted = new double[n];
    double[] raw = new double[n];
    for (int c = 0; c < n; c++) {
      raw[c] = scores[c];
    }
    boolean[] taken = new boolean[n];
    int[] picks = new int[length];
    float[] propensities = new float[length];
    boolean[] explored = new boolean[length];
    boolean[] diversified = new boolean[length];
    for (int position = 0; position < length; position++) {
      for (int c = 0; c < n; c++) {
        adjusted[c] = position == 0 ? raw[c] : (1 - diversity) * raw[c] - penalty * maxSimilarity[c];
      }
      int pick = exploration.drawOne(adjusted, taken, random);
      propensities[position] = (float) exploration.probabilityOf(adjusted, taken, pick);
      int bestAdjusted = Exploration.bestRemaining(adjusted, taken);
      int bestRaw = Exploration.bestRemaining(raw, taken);
      explored[position] = adjusted[pick] < adjusted[bestAdjusted];
      diversified[position] = !explored[position] && raw[pick] < raw[bestRaw];
      taken[pick] = true;
      picks[position] = pick;
      for (int c = 0; c < n; c++) {
        if (!taken[c]) {
          maxSimilarity[c] = Math.max(maxSimilarity[c], dot(unitVectors, c, pick, dimension));
        }
      }
    }
    return new Drawn(new Exploration.Slate(picks, propensities), explored, diversified);
  }

  /** Highest minus lowest score; 1 when they are all equal (any positive unit would do). */
  private static double spread(float[] scores) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (float score : scores) {
      min = Math.min(min, score);
      max = Math.max(max, score);
    }
    double spread = max - min;
    return spread > 0 && Double.isFinite(spread) ? spread : 1;
  }

  private static double dot(float[] vectors, int a, int b, int dimension) {
    double sum = 0;
    int offsetA = a * dimension;
    int offsetB = b * dimension;
    for (int d = 0; d < dimension; d++) {
      sum += (double) vectors[offsetA + d] * vectors[offsetB + d];
    }
    return sum;
  }

  /** The mean cosine similarity over all pairs of a list's unit vectors: its intra-list similarity. */
  public static double intraListSimilarity(float[] unitVectors, int items, int dimension) {
    if (items < 2) {
      return 0;
    }
    double sum = 0;
    for (int a = 0; a < items; a++) {
      for (int b = a + 1; b < items; b++) {
        sum += dot(unitVectors, a, b, dimension);
      }
    }
    return sum / (items * (items - 1) / 2.0);
  }
}
