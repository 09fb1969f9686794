package io.recsys.server.policy;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How a ranked list is drawn from candidate scores, position by position, with the exact
 * probability of every shown item at its position given the items above it: the propensity that
 * off-policy evaluation divides by.
 */
public interface Exploration {
  /** The chosen candidates in list order, with the probability each was chosen where it stands. */
  record Slate(int[] picks, float[] propensities) {}

  /** Draws {@code min(k, scores.length)} distinct candidates. */
  Slate choose(float[] scores, int k, RandomGenerator random);

  /**
   * The probability that this policy draws each of {@code picks} where it stands, given the picks
   * above it: what {@link #choose} reports as the propensities when it draws exactly these. The
   * safety gate asks it of a candidate's scores on logged lists.
   */
  double[] probabilities(float[] scores, int[] picks);

  /**
   * One position on its own: draws one of the candidates not {@code taken} by {@code scores}
   * (what a re-rank such as {@link DiversityRerank} makes of the scores at this position). Ties go
   * to the lower index, as in {@link #choose}.
   */
  int drawOne(double[] scores, boolean[] taken, RandomGenerator random);

  /** The probability that {@link #drawOne} draws {@code pick} from these scores and taken candidates. */
  double probabilityOf(double[] scores, boolean[] taken, int pick);

  /** The best candidate not taken: highest score, ties to the lower index. */
  static int bestRemaining(double[] scores, boolean[] taken) {
    int best = -1;
    for (int c = 0; c < scores.length; c++) {
      if (!taken[c] && (best < 0 || scores[c] > scores[best])) {
        best = c;
      }
    }
    return best;
  }

  /** The setting that {@link #parse} reads back as this exploration. */
  String spec();

  /** Always the best remaining: propensity 1 everywhere. */
  Exploration GREEDY = new EpsilonGreedy(0);

  /** {@code greedy}, {@code epsilon:0.1} or {@code softmax:0.5} (the temperature). */
  static Exploration parse(String spec) {
    String[] parts = spec.strip().toLowerCase(Locale.ROOT).split(":", 2);
    try {
      return switch (parts[0]) {
        case "greedy" -> GREEDY;
        case "epsilon" -> new EpsilonGreedy(Double.parseDouble(parts[1]));
        case "softmax" -> new SoftmaxExploration(Double.parseDouble(parts[1]));
        default -> throw new IllegalArgumentException("unknown exploration '" + spec + "'");
      };
    } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
      throw new IllegalArgumentException("exploration is greedy, epsilon:<0..1> or softmax:<temperature>, got '" + spec + "'");
    }
  }
}
