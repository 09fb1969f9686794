package io.recsys.server.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * Logged decisions with the reward model every evaluation here uses: the mean reward of each
 * cell (an item, or an item at a position), shrunk toward its group's mean (the position's, or
 * the whole log's) by a prior worth {@code priorStrength} decisions, since most cells are seen
 * a few times only. Refitted on every bootstrap resample.
 *
 * <p>Build it with one {@link #add} per logged decision: its importance weight and reward, the
 * cell the logged action falls in, and the target policy's distribution over cells (sparse: the
 * cells it can choose with their probabilities), whose model-weighted sum is the direct method's
 * term.
 */
public final class CellMeanDecisions implements LoggedDecisions {
  private final int[] groupOfCell;
  private final int groups;
  private final double priorStrength;
  private final List<Decision> decisions = new ArrayList<>();

  private record Decision(double weight, double reward, int loggedCell, int[] targetCells, double[] targetProbabilities) {}

  /**
   * @param groupOfCell the group each cell is shrunk toward, in {@code [0, groups)}
   * @param priorStrength decisions' worth of the group mean in each cell's estimate
   */
  public CellMeanDecisions(int[] groupOfCell, int groups, double priorStrength) {
    if (!(priorStrength >= 0) || Double.isInfinite(priorStrength)) {
      throw new IllegalArgumentException("the prior strength must be a finite number >= 0, got " + priorStrength);
    }
    for (int group : groupOfCell) {
      if (group < 0 || group >= groups) {
        throw new IllegalArgumentException("cell group " + group + " is outside [0, " + groups + ")");
      }
    }
    this.groupOfCell = groupOfCell.clone();
    this.groups = groups;
    this.priorStrength = priorStrength;
  }

  /** One logged decision; the arrays are kept (do not modify them afterwards). */
  public void add(double weight, double reward, int loggedCell, int[] targetCells, double[] targetProbabilities) {
    if (targetCells.length != targetProbabilities.length) {
      throw new IllegalArgumentException(targetCells.length + " target cells, " + targetProbabilities.length + " probabilities");
    }
    checkCell(loggedCell);
    for (int cell : targetCells) {
      checkCell(cell);
    }
    // Checks the weight as the samples will.
    new EvaluationSample(weight, reward, 0, 0);
    decisions.add(new Decision(weight, reward, loggedCell, targetCells, targetProbabilities));
  }

  private void checkCell(int cell) {
    if (cell < 0 || cell >= groupOfCell.length) {
      throw new IllegalArgumentException("cell " + cell + " is outside [0, " + groupOfCell.length + ")");
    }
  }

  @Override
  public int size() {
    return decisions.size();
  }

  @Override
  public EvaluationSample[] resample(int[] index) {
    double[] model = fit(index);
    EvaluationSample[] samples = new EvaluationSample[index.length];
    for (int i = 0; i < index.length; i++) {
      Decision d = decisions.get(index[i]);
      double value = 0;
      for (int c = 0; c < d.targetCells().length; c++) {
        value += d.targetProbabilities()[c] * model[d.targetCells()[c]];
      }
      samples[i] = new EvaluationSample(d.weight(), d.reward(), value, model[d.loggedCell()]);
    }
    return samples;
  }

  /** Each cell's shrunk mean reward over the decisions {@code index} names. */
  double[] fit(int[] index) {
    double[] cellSum = new double[groupOfCell.length];
    double[] cellCount = new double[groupOfCell.length];
    double[] groupSum = new double[groups];
    double[] groupCount = new double[groups];
    double sum = 0;
    for (int i : index) {
      Decision d = decisions.get(i);
      cellSum[d.loggedCell()] += d.reward();
      cellCount[d.loggedCell()]++;
      int group = groupOfCell[d.loggedCell()];
      groupSum[group] += d.reward();
      groupCount[group]++;
      sum += d.reward();
    }
    double overall = index.length == 0 ? 0 : sum / index.length;
    double[] model = new double[groupOfCell.length];
    for (int cell = 0; cell < model.length; cell++) {
      int group = groupOfCell[cell];
      double prior = groupCount[group] == 0 ? overall : groupSum[group] / groupCount[group];
      double strength = cellCount[cell] + priorStrength;
      model[cell] = strength == 0 ? prior : (cellSum[cell] + priorStrength * prior) / strength;
    }
    return model;
  }
}
