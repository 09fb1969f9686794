package io.recsys.server.evaluation.obd;

import io.recsys.server.evaluation.EvaluationSample;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns logged OBD rounds into evaluation samples for the uniform-random policy (every item
 * equally likely in every position). The reward model of the direct and doubly-robust
 * estimators is the click rate of each (item, position) in the log, shrunk toward the position's
 * click rate by a Beta prior worth {@code priorStrength} impressions, since most pairs have few
 * clicks.
 */
public final class ObdEvaluation {
  private ObdEvaluation() {}

  public static List<EvaluationSample> uniformPolicySamples(List<ObdRound> rounds, int items, double priorStrength) {
    double[][] model = clickRateModel(rounds, items, priorStrength);
    double target = 1.0 / items;
    double[] positionValue = new double[4];
    for (int position = 1; position <= 3; position++) {
      for (int item = 0; item < items; item++) {
        positionValue[position] += target * model[position][item];
      }
    }
    List<EvaluationSample> samples = new ArrayList<>(rounds.size());
    for (ObdRound round : rounds) {
      samples.add(
          new EvaluationSample(
              target / round.propensity(),
              round.clicked() ? 1 : 0,
              positionValue[round.position()],
              model[round.position()][round.item()]));
    }
    return samples;
  }

  /** {@code [position][item]} smoothed click rates. */
  static double[][] clickRateModel(List<ObdRound> rounds, int items, double priorStrength) {
    double[][] clicks = new double[4][items];
    double[][] shown = new double[4][items];
    double[] positionClicks = new double[4];
    double[] positionShown = new double[4];
    for (ObdRound round : rounds) {
      int c = round.clicked() ? 1 : 0;
      clicks[round.position()][round.item()] += c;
      shown[round.position()][round.item()]++;
      positionClicks[round.position()] += c;
      positionShown[round.position()]++;
    }
    double[][] model = new double[4][items];
    for (int position = 1; position <= 3; position++) {
      double prior = positionShown[position] == 0 ? 0 : positionClicks[position] / positionShown[position];
      for (int item = 0; item < items; item++) {
        model[position][item] =
            (clicks[position][item] + priorStrength * prior) / (shown[position][item] + priorStrength);
      }
    }
    return model;
  }

  /** The log's own click rate: the on-policy value of the policy that logged it. */
  public static double clickRate(List<ObdRound> rounds) {
    return rounds.stream().filter(ObdRound::clicked).count() / (double) rounds.size();
  }
}
