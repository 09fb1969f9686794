package io.recsys.server.policy;

import java.util.random.RandomGenerator;

/**
 * Epsilon-greedy per position: with probability {@code epsilon} a uniformly random remaining
 * candidate, otherwise the best remaining one. The best remaining candidate is shown with
 * probability {@code 1 - epsilon + epsilon / remaining}, any other with {@code epsilon /
 * remaining}.
 */
public record EpsilonGreedy(double epsilon) implements Exploration {
  public EpsilonGreedy {
    if (!(epsilon >= 0 && epsilon <= 1)) {
      throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
    }
  }

  @Override
  public String spec() {
    return epsilon == 0 ? "greedy" : "epsilon:" + epsilon;
  }

  @Override
  public double[] probabilities(float[] scores, int[] picks) {
    boolean[] taken = new boolean[scores.length];
    double[] probabilities = new double[picks.length];
    int[] order = ScoreOrder.descending(scores);
    int next = 0;
    for (int position = 0; position < picks.length; position++) {
      while (taken[order[next]]) {
        next++;
      }
      int best = order[next];
      probabilities[position] = (picks[position] == best ? 1 - epsilon : 0) + epsilon / (scores.length - position);
      taken[picks[position]] = true;
    }
    return probabilities;
  }

  @Override
  public int drawOne(double[] scores, boolean[] taken, RandomGenerator random) {
    int best = Exploration.bestRemaining(scores, taken);
    if (epsilon == 0 || random.nextDouble() >= epsilon) {
      return best;
    }
    int skip = random.nextInt(remaining(taken));
    for (int c = 0; c < scores.length; c++) {
      if (!taken[c] && skip-- == 0) {
        return c;
      }
    }
    throw new IllegalStateException("no candidate left");
  }

  @Override
  public double probabilityOf(double[] scores, boolean[] taken, int pick) {
    return (pick == Exploration.bestRemaining(scores, taken) ? 1 - epsilon : 0) + epsilon / remaining(taken);
  }

  private static int remaining(boolean[] taken) {
    int remaining = 0;
    for (boolean t : taken) {
      remaining += t ? 0 : 1;
    }
    return remaining;
  }

  @Override
  public Slate choose(float[] scores, int k, RandomGenerator random) {
    int n = scores.length;
    int length = Math.min(k, n);
    boolean[] taken = new boolean[n];
    int[] picks = new int[length];
    float[] propensities = new float[length];
    // The best remaining candidate (the first highest-scored not taken: ties go to the lower
    // index) is the first not taken in this order.
    int[] order = ScoreOrder.descending(scores);
    int next = 0;
    for (int position = 0; position < length; position++) {
      int remaining = n - position;
      while (taken[order[next]]) {
        next++;
      }
      int best = order[next];
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
    return new Slate(picks, propensities);
  }
}
