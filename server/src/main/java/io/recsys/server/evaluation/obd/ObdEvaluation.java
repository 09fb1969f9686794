package io.recsys.server.evaluation.obd;

import io.recsys.server.evaluation.CellMeanDecisions;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns logged OBD rounds into decisions for a context-free target policy (a distribution over
 * items at each of the 3 positions): the uniform-random one, or the one another log's behaviour
 * shows (for Bernoulli TS, the share of each item at each position in its own log). The reward
 * model of the direct and doubly-robust estimators is the click rate of each (item, position),
 * shrunk toward the position's click rate by a prior worth {@code priorStrength} impressions,
 * since most pairs have few clicks; it is refitted on every bootstrap resample.
 */
public final class ObdEvaluation {
  static final int POSITIONS = 3;

  private ObdEvaluation() {}

  /** Every item equally likely at every position. */
  public static double[][] uniformPolicy(int items) {
    double[][] policy = new double[POSITIONS + 1][items];
    for (int position = 1; position <= POSITIONS; position++) {
      java.util.Arrays.fill(policy[position], 1.0 / items);
    }
    return policy;
  }

  /**
   * The policy a log shows, {@code [position][item]}: how often it put each item at each position.
   * For a context-free policy such as OBD's Bernoulli TS this is its action distribution over the
   * log's period (the dataset's authors compute it instead by simulating the policy's own draws).
   */
  public static double[][] empiricalPolicy(List<ObdRound> rounds, int items) {
    double[][] policy = new double[POSITIONS + 1][items];
    double[] shown = new double[POSITIONS + 1];
    for (ObdRound round : rounds) {
      policy[round.position()][round.item()]++;
      shown[round.position()]++;
    }
    for (int position = 1; position <= POSITIONS; position++) {
      for (int item = 0; item < items; item++) {
        policy[position][item] = shown[position] == 0 ? 0 : policy[position][item] / shown[position];
      }
    }
    return policy;
  }

  /** The decisions of {@code rounds} for the target {@code policy} ({@code [position][item]}). */
  public static CellMeanDecisions decisions(List<ObdRound> rounds, double[][] policy, int items, double priorStrength) {
    int[] groupOfCell = new int[POSITIONS * items];
    for (int cell = 0; cell < groupOfCell.length; cell++) {
      groupOfCell[cell] = cell / items;
    }
    int[][] targetCells = new int[POSITIONS + 1][];
    double[][] targetProbabilities = new double[POSITIONS + 1][];
    for (int position = 1; position <= POSITIONS; position++) {
      int support = 0;
      for (double p : policy[position]) {
        support += p > 0 ? 1 : 0;
      }
      targetCells[position] = new int[support];
      targetProbabilities[position] = new double[support];
      for (int item = 0, c = 0; item < items; item++) {
        if (policy[position][item] > 0) {
          targetCells[position][c] = cellOf(position, item, items);
          targetProbabilities[position][c++] = policy[position][item];
        }
      }
    }
    CellMeanDecisions decisions = new CellMeanDecisions(groupOfCell, POSITIONS, priorStrength);
    for (ObdRound round : rounds) {
      decisions.add(
          policy[round.position()][round.item()] / round.propensity(),
          round.clicked() ? 1 : 0,
          cellOf(round.position(), round.item(), items),
          targetCells[round.position()],
          targetProbabilities[round.position()]);
    }
    return decisions;
  }

  private static int cellOf(int position, int item, int items) {
    return (position - 1) * items + item;
  }

  /** The log's own click rate: the on-policy value of the policy that logged it. */
  public static double clickRate(List<ObdRound> rounds) {
    return rounds.stream().filter(ObdRound::clicked).count() / (double) rounds.size();
  }
}
