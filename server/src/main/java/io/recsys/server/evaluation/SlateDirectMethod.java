package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * The direct method for whole lists: a target policy's expected sum of rewards over a list is the
 * sum, over positions, of the reward model's value of the items the target would put there
 * (given as its distribution over cells at each position, e.g. from Monte Carlo draws of its
 * exploration). The reward model is the mean reward of each cell (an item at a position), shrunk
 * toward the position's mean by a prior worth {@code priorStrength} shown items, and refitted on
 * every bootstrap resample of the lists, so the interval includes the model's uncertainty.
 *
 * <p>It assumes a shown item's reward depends on the item and its position only, not on the
 * items around it. Unlike the weighted estimators it needs no overlap between the lists the
 * target would show and the logged ones (a near-greedy candidate over 100 candidates shares a
 * whole list with the log almost never), but it is only as right as the model where the target
 * goes and the log rarely went.
 */
public final class SlateDirectMethod {
  private final int positions;
  private final double priorStrength;
  private final List<LoggedList> lists = new ArrayList<>();
  private int cells;

  private record LoggedList(int[] loggedCells, double[] rewards, int[][] targetCells, double[][] targetProbabilities) {}

  /**
   * @param positions list positions cells can be at; cell ids are {@code item * positions + position}
   */
  public SlateDirectMethod(int positions, double priorStrength) {
    if (positions < 1 || !(priorStrength >= 0) || Double.isInfinite(priorStrength)) {
      throw new IllegalArgumentException("need positions >= 1 and a finite prior strength >= 0");
    }
    this.positions = positions;
    this.priorStrength = priorStrength;
  }

  /** The cell of {@code item} (a dense index from 0) at {@code position}. */
  public int cellOf(int item, int position) {
    if (position < 0 || position >= positions) {
      throw new IllegalArgumentException("position " + position + " outside [0, " + positions + ")");
    }
    int cell = item * positions + position;
    cells = Math.max(cells, cell + 1);
    return cell;
  }

  /**
   * One logged list: the cell and reward of each of its positions, and the target's distribution
   * over cells at each (the arrays are kept).
   */
  public void add(int[] loggedCells, double[] rewards, int[][] targetCells, double[][] targetProbabilities) {
    if (loggedCells.length != rewards.length || targetCells.length != loggedCells.length || targetProbabilities.length != loggedCells.length) {
      throw new IllegalArgumentException("a list needs a cell, a reward and a target distribution per position");
    }
    lists.add(new LoggedList(loggedCells, rewards, targetCells, targetProbabilities));
  }

  public int size() {
    return lists.size();
  }

  /**
   * The target's value per list minus what the logging policy earned on the same lists, with the
   * interval of that difference from the same resamples; clipped to what a list's rewards allow.
   */
  public Estimate compare(OffPolicyEvaluation evaluation, RewardRange perItem) {
    if (lists.isEmpty()) {
      throw new IllegalArgumentException("no logged lists to evaluate");
    }
    int[] all = new int[lists.size()];
    double length = 0;
    for (int l = 0; l < all.length; l++) {
      all[l] = l;
      length += lists.get(l).rewards().length;
    }
    length /= all.length;
    double[] boot = evaluation.bootstrap(all.length, this::difference);
    return evaluation.estimate("slate_dm_minus_logged", difference(all), boot, all.length, all.length, perItem.differenceOf(length));
  }

  private double difference(int[] index) {
    double[] model = fit(index);
    double target = 0;
    double logged = 0;
    for (int l : index) {
      LoggedList list = lists.get(l);
      for (int p = 0; p < list.rewards().length; p++) {
        logged += list.rewards()[p];
        for (int c = 0; c < list.targetCells()[p].length; c++) {
          target += list.targetProbabilities()[p][c] * model[list.targetCells()[p][c]];
        }
      }
    }
    return (target - logged) / index.length;
  }

  /** Each cell's shrunk mean reward over the lists {@code index} names. */
  private double[] fit(int[] index) {
    double[] cellSum = new double[cells];
    double[] cellCount = new double[cells];
    double[] positionSum = new double[positions];
    double[] positionCount = new double[positions];
    for (int l : index) {
      LoggedList list = lists.get(l);
      for (int p = 0; p < list.rewards().length; p++) {
        int cell = list.loggedCells()[p];
        cellSum[cell] += list.rewards()[p];
        cellCount[cell]++;
        positionSum[cell % positions] += list.rewards()[p];
        positionCount[cell % positions]++;
      }
    }
    double[] model = new double[cells];
    for (int cell = 0; cell < cells; cell++) {
      int position = cell % positions;
      double prior = positionCount[position] == 0 ? 0 : positionSum[position] / positionCount[position];
      double strength = cellCount[cell] + priorStrength;
      model[cell] = strength == 0 ? prior : (cellSum[cell] + priorStrength * prior) / strength;
    }
    return model;
  }
}
