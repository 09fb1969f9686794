package io.recsys.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reported propensities are the frequencies the draws really have. */
class ExplorationTest {
  private static final float[] SCORES = {0.2f, 1.5f, -0.3f, 0.9f, 0.4f};
  private static final int DRAWS = 200_000;

  @Test
  void epsilonGreedyPropensitiesMatchEmpiricalFrequencies() {
    assertPropensitiesMatchFrequencies(new EpsilonGreedy(0.3));
  }

  @Test
  void softmaxPropensitiesMatchEmpiricalFrequencies() {
    assertPropensitiesMatchFrequencies(new SoftmaxExploration(0.5));
  }

  @Test
  void greedyIsTheSortedListWithPropensityOne() {
    Exploration.Slate slate = Exploration.GREEDY.choose(SCORES, 3, new SplittableRandom(1));

    assertThat(slate.picks()).containsExactly(1, 3, 4);
    assertThat(slate.propensities()).containsOnly(1f);
  }

  @Test
  void anItemPlacedAboveAHigherScoredCandidateIsMarkedExplored() {
    // Scores 0.2, 1.5, -0.3, 0.9, 0.4: shown 1 (best), 2 (-0.3, while 0.9 remained), 3 (0.9, best left).
    assertThat(Recommender.explored(SCORES, new int[] {1, 2, 3})).containsExactly(false, true, false);
    assertThat(Recommender.explored(SCORES, new int[] {1, 3, 4})).containsExactly(false, false, false);
  }

  @Test
  void scoresOfItemsNotMarkedExploredNeverIncreaseDownTheList() {
    SplittableRandom random = new SplittableRandom(11);
    for (Exploration exploration : new Exploration[] {new EpsilonGreedy(0.5), new SoftmaxExploration(0.3), Exploration.GREEDY}) {
      for (int trial = 0; trial < 2_000; trial++) {
        float[] scores = new float[30];
        for (int c = 0; c < scores.length; c++) {
          scores[c] = (float) random.nextGaussian();
        }
        int[] picks = exploration.choose(scores, 20, random).picks();
        boolean[] explored = Recommender.explored(scores, picks);
        float previous = Float.POSITIVE_INFINITY;
        for (int position = 0; position < picks.length; position++) {
          if (!explored[position]) {
            assertThat(scores[picks[position]]).isLessThanOrEqualTo(previous);
            previous = scores[picks[position]];
          }
        }
        if (exploration == Exploration.GREEDY) {
          assertThat(explored).containsOnly(false);
        }
      }
    }
  }

  @Test
  void exploredAgreesWithAScanOfEveryCandidateAtEveryPosition() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 3_000; trial++) {
      float[] scores = tiedScores(random, trial % 3 == 0);
      int[] picks = new EpsilonGreedy(0.5).choose(scores, 1 + random.nextInt(scores.length), random).picks();
      assertThat(Recommender.explored(scores, picks)).as("trial %d", trial).containsExactly(scanned(scores, picks));
    }
  }

  @Test
  void epsilonGreedyDrawsWhatAScanOfEveryCandidateDraws() {
    SplittableRandom scores = new SplittableRandom(17);
    for (int trial = 0; trial < 3_000; trial++) {
      float[] candidates = tiedScores(scores, trial % 3 == 0);
      double epsilon = trial % 4 * 0.25;
      int k = 1 + scores.nextInt(candidates.length);
      long seed = scores.nextLong();
      Exploration.Slate slate = new EpsilonGreedy(epsilon).choose(candidates, k, new SplittableRandom(seed));
      Exploration.Slate reference = scannedEpsilonGreedy(epsilon, candidates, k, new SplittableRandom(seed));
      assertThat(slate.picks()).as("trial %d", trial).containsExactly(reference.picks());
      assertThat(slate.propensities()).as("trial %d", trial).containsExactly(reference.propensities());
      double[] probabilities = new EpsilonGreedy(epsilon).probabilities(candidates, slate.picks());
      for (int position = 0; position < probabilities.length; position++) {
        assertThat((float) probabilities[position]).isEqualTo(reference.propensities()[position]);
      }
    }
  }

  /** 1-60 scores with ties, negatives and zeros of both signs; {@code sorted}: best first, as retrieval returns them. */
  private static float[] tiedScores(SplittableRandom random, boolean sorted) {
    float[] scores = new float[1 + random.nextInt(60)];
    for (int c = 0; c < scores.length; c++) {
      scores[c] = random.nextInt(4) == 0 ? (random.nextBoolean() ? 0f : -0f) : (float) Math.round(random.nextGaussian() * 4) / 2;
    }
    if (sorted) {
      java.util.Arrays.sort(scores);
      for (int c = 0; c < scores.length / 2; c++) {
        float t = scores[c];
        scores[c] = scores[scores.length - 1 - c];
        scores[scores.length - 1 - c] = t;
      }
    }
    return scores;
  }

  /** The reference: epsilon-greedy finding the best remaining candidate by a scan at every position. */
  private static Exploration.Slate scannedEpsilonGreedy(double epsilon, float[] scores, int k, SplittableRandom random) {
    int n = scores.length;
    int length = Math.min(k, n);
    boolean[] taken = new boolean[n];
    int[] picks = new int[length];
    float[] propensities = new float[length];
    for (int position = 0; position < length; position++) {
      int remaining = n - position;
      int best = -1;
      for (int c = 0; c < n; c++) {
        if (!taken[c] && (best < 0 || scores[c] > scores[best])) {
          best = c;
        }
      }
      int pick = best;
      if (epsilon > 0 && random.nextDouble() < epsilon) {
        int skip = random.nextInt(remaining);
        for (int c = 0; c < n; c++) {
          if (!taken[c] && skip-- == 0) {
            pick = c;
            break;
          }
        }
      }
      taken[pick] = true;
      picks[position] = pick;
      propensities[position] = (float) ((pick == best ? 1 - epsilon : 0) + epsilon / remaining);
    }
    return new Exploration.Slate(picks, propensities);
  }

  /** The reference: the best unshown candidate found by scanning them all, at every position. */
  private static boolean[] scanned(float[] scores, int[] picks) {
    boolean[] shown = new boolean[scores.length];
    boolean[] explored = new boolean[picks.length];
    for (int position = 0; position < picks.length; position++) {
      float best = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < scores.length; c++) {
        if (!shown[c]) {
          best = Math.max(best, scores[c]);
        }
      }
      explored[position] = scores[picks[position]] < best;
      shown[picks[position]] = true;
    }
    return explored;
  }

  @Test
  void specificationsAreParsedAndChecked() {
    assertThat(Exploration.parse("epsilon:0.1")).isEqualTo(new EpsilonGreedy(0.1));
    assertThat(Exploration.parse("softmax:2")).isEqualTo(new SoftmaxExploration(2));
    assertThatThrownBy(() -> Exploration.parse("epsilon:2")).hasMessageContaining("epsilon must be in [0, 1]");
    assertThatThrownBy(() -> Exploration.parse("boltzmann")).hasMessageContaining("unknown exploration");
  }

  /**
   * Position 0: how often each candidate comes first. Position 1: how often each comes second
   * given the first. Both must agree with the reported propensity within 4.5 standard errors.
   */
  @Test
  void theProbabilitiesOfAGivenListAreThePropensitiesItsDrawReported() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    float[] scores = new float[30];
    for (int c = 0; c < scores.length; c++) {
      scores[c] = (float) random.nextDouble(-2, 2);
    }
    scores[7] = scores[3]; // a tie: both must break it the same way
    for (Exploration exploration : List.of(new EpsilonGreedy(0.2), new SoftmaxExploration(0.7), Exploration.GREEDY)) {
      for (int draw = 0; draw < 200; draw++) {
        Exploration.Slate slate = exploration.choose(scores, 10, random);

        double[] probabilities = exploration.probabilities(scores, slate.picks());

        for (int p = 0; p < probabilities.length; p++) {
          assertThat((float) probabilities[p]).as("%s position %d", exploration.spec(), p).isEqualTo(slate.propensities()[p]);
        }
      }
    }
  }

  private static void assertPropensitiesMatchFrequencies(Exploration exploration) {
    SplittableRandom random = new SplittableRandom(42);
    Map<String, int[]> counts = new HashMap<>(); // key -> {times, total given the condition}
    Map<String, Float> reported = new HashMap<>();
    int[] firstCounts = new int[SCORES.length];
    for (int draw = 0; draw < DRAWS; draw++) {
      Exploration.Slate slate = exploration.choose(SCORES, 3, random);
      int first = slate.picks()[0];
      firstCounts[first]++;
      reported.put("0:" + first, slate.propensities()[0]);
      String second = "1:" + first + ">" + slate.picks()[1];
      counts.computeIfAbsent(second, key -> new int[1])[0]++;
      reported.put(second, slate.propensities()[1]);
      for (float p : slate.propensities()) {
        assertThat(p).isGreaterThan(0f).isLessThanOrEqualTo(1f);
      }
    }
    for (int c = 0; c < SCORES.length; c++) {
      assertClose(firstCounts[c], DRAWS, reported.get("0:" + c));
    }
    for (Map.Entry<String, int[]> entry : counts.entrySet()) {
      int first = Integer.parseInt(entry.getKey().substring(2, entry.getKey().indexOf('>')));
      assertClose(entry.getValue()[0], firstCounts[first], reported.get(entry.getKey()));
    }
  }

  private static void assertClose(int times, int trials, Float propensity) {
    if (propensity == null) {
      return; // never drawn: its probability was too small to show up, nothing to compare
    }
    double frequency = times / (double) trials;
    double standardError = Math.sqrt(propensity * (1 - propensity) / trials);
    assertThat(frequency).isCloseTo(propensity, org.assertj.core.api.Assertions.within(4.5 * standardError + 1e-9));
  }
}
